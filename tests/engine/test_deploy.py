"""Deploying: hostile and malformed uploads are refused with a clear error naming file, element
and line; identical content is not duplicated; running cases stay on their version."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import Engine
from engine.errors import ModelInvalid, UploadRejected, UploadTooLarge
from tests.support import FIXTURES, Driver

THREE = (FIXTURES / "three_tasks.bpmn").read_text()
PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="small" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work" name="Work">
      <bpmn:extensionElements><spiffworkflow:properties>
        PROPERTIES
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="TARGET" />
  </bpmn:process>
</bpmn:definitions>
"""


def small(properties: str = "", target: str = "end") -> dict[str, bytes]:
    text = PROCESS.replace("PROPERTIES", properties).replace("TARGET", target)
    return {"small.bpmn": text.encode()}


def prop(name: str, value: str) -> str:
    return f'<spiffworkflow:property name="{name}" value="{value}" />'


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def refused(drive: Driver, files: dict[str, bytes], error: type[Exception]) -> Any:
    with pytest.raises(error) as err:
        drive.deploy(files=files)
    return err.value


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&xxe;" isExecutable="true" />
</bpmn:definitions>
"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" name="&lol9;" isExecutable="true" />
</bpmn:definitions>
"""


@pytest.mark.parametrize("content", [XXE, LAUGHS, XXE.replace(b"DOCTYPE", b"doctype")])
def test_entities_and_doctypes_are_refused(drive: Driver, content: bytes) -> None:
    error = refused(drive, {"evil.bpmn": content}, UploadRejected)
    assert "evil.bpmn" in error.detail and "DOCTYPE" in error.detail
    assert "root:" not in str(error.problems)


def test_xxe_in_a_dmn_is_refused(drive: Driver) -> None:
    files = {"three_tasks.bpmn": THREE.encode(), "evil.dmn": XXE}
    assert "evil.dmn" in refused(drive, files, UploadRejected).detail


def test_a_file_above_the_size_limit_is_refused(drive: Driver) -> None:
    limit = drive.engine.settings.max_upload_bytes
    padded = THREE.replace("</bpmn:definitions>", "<!--" + "x" * limit + "--></bpmn:definitions>")
    error = refused(drive, {"three_tasks.bpmn": padded.encode()}, UploadTooLarge)
    assert "three_tasks.bpmn" in error.detail and str(limit) in error.detail


def test_malformed_xml_names_file_and_line(drive: Driver) -> None:
    broken = THREE.replace("</bpmn:userTask>", "</bpmn:usertask>", 1)
    error = refused(drive, {"three_tasks.bpmn": broken.encode()}, ModelInvalid)
    [problem] = error.problems
    assert problem["file"] == "three_tasks.bpmn"
    assert problem["line"] == 13


def test_unsupported_file_type_is_refused(drive: Driver) -> None:
    files = {"three_tasks.bpmn": THREE.encode(), "run.sh": b"rm -rf /"}
    assert "run.sh" in refused(drive, files, UploadRejected).detail


def test_bad_form_json_is_refused(drive: Driver) -> None:
    files = {"three_tasks.bpmn": THREE.encode(), "intake.json": b"{not json"}
    error = refused(drive, files, ModelInvalid)
    assert error.problems[0]["file"] == "intake.json"


def test_a_form_the_task_page_cannot_draw_is_refused_naming_the_field(drive: Driver) -> None:
    """Deploy refuses a field that would go silently missing from the page."""
    form = {
        "type": "object",
        "properties": {
            "piano": {
                "type": "object",
                "title": "Piano",
                "properties": {"ore": {"anyOf": [{"type": "integer"}, {"type": "string"}]}},
            }
        },
    }
    files = {"three_tasks.bpmn": THREE.encode(), "intake.json": json.dumps(form).encode()}
    error = refused(drive, files, ModelInvalid)
    assert error.problems == [
        {"file": "intake.json", "field": "piano.ore", "message": "anyOf cannot be drawn as fields"}
    ]
    assert "field 'piano.ore'" in error.detail


@pytest.mark.parametrize(
    ("files", "element", "words"),
    [
        (small(target="nowhere"), "f2", "targetRef 'nowhere' names no element"),
        (small(prop("formKey", "missing_form")), "work", "missing_form"),
        (small(prop("dueIn", "P3X")), "work", "ISO 8601"),
        (small(prop("dueIn", "P3D +")), "work", "dueIn"),
        (small(prop("organization", "atlantide")), "work", "atlantide"),
        (small(prop("priority", "whenever")), "work", "priority"),
        (small(prop("escalation", "P1D:shout")), "work", "shout"),
    ],
)
def test_invalid_models_name_file_element_and_problem(
    drive: Driver, files: dict[str, bytes], element: str, words: str
) -> None:
    error = refused(drive, files, ModelInvalid)
    problem = error.problems[0]
    assert problem.get("file") == "small.bpmn"
    assert problem.get("element_id") == element
    assert words in problem["message"]
    if element == "f2":
        assert problem["line"] == 13


def test_an_outgoing_that_names_no_flow_is_refused(drive: Driver) -> None:
    text = PROCESS.replace("PROPERTIES", "").replace("TARGET", "end")
    text = text.replace('<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />', "")
    error = refused(drive, {"small.bpmn": text.encode()}, ModelInvalid)
    assert {(p["element_id"], p["line"]) for p in error.problems} == {("work", 10), ("end", 11)}
    assert "'f2' names no sequence flow" in error.problems[0]["message"]


def test_a_service_task_without_a_handler_is_refused(drive: Driver) -> None:
    text = (
        PROCESS.replace("PROPERTIES", "")
        .replace("TARGET", "end")
        .replace(
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />',
            '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />'
            '<bpmn:serviceTask id="call"><bpmn:extensionElements>'
            '<spiffworkflow:serviceTaskOperator id="no_such_handler"><spiffworkflow:parameters />'
            "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements>"
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f0</bpmn:outgoing></bpmn:serviceTask>"
            '<bpmn:sequenceFlow id="f0" sourceRef="call" targetRef="work" />',
        )
        .replace(
            "<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2",
            "<bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f2",
        )
    )
    error = refused(drive, {"small.bpmn": text.encode()}, ModelInvalid)
    [problem] = error.problems
    assert problem["element_id"] == "call"
    assert "no_such_handler" in problem["message"]


def test_validation_errors_from_the_parser_carry_the_line(drive: Driver) -> None:
    text = PROCESS.replace("PROPERTIES", "").replace("TARGET", "end")
    text = text.replace('<bpmn:userTask id="work"', '<bpmn:userTask id="work" bogus="1"', 1)
    text = text.replace("<bpmn:endEvent", "<bpmn:endEventt", 1)
    error = refused(drive, {"small.bpmn": text.encode()}, ModelInvalid)
    assert error.problems[0]["file"] == "small.bpmn"
    assert error.problems[0].get("line")


def test_identical_content_is_not_duplicated_and_changes_make_a_new_version(
    drive: Driver,
) -> None:
    [first] = drive.deploy(files=small())
    assert (first.number, first.created) == (1, True)
    [again] = drive.deploy(files=small())
    assert (again.number, again.created, again.version_id) == (1, False, first.version_id)
    old_case = drive.start("small")

    [second] = drive.deploy(files=small(prop("priority", "urgent")))
    assert (second.number, second.created) == (2, True)
    new_case = drive.start("small")
    assert drive.task(old_case, "work").priority == 50
    assert drive.task(new_case, "work").priority == 100

    from engine.reads.queries import find_case
    from engine.store.tables import Case

    with drive.engine.uow(write=False) as uow:
        assert find_case(uow, old_case).version_id == first.version_id
        assert find_case(uow, new_case).version_id == second.version_id
        assert uow.session.query(Case).count() == 2
    drive.complete(old_case, "work")
    assert drive.case(old_case)["status"] == "completed"


def test_dry_run_validates_without_storing(drive: Driver) -> None:
    from engine.commands.deployment import deploy_model
    from engine.errors import ModelNotFound

    with drive.engine.uow() as uow:
        [result] = deploy_model(uow, small(), drive.actor(), dry_run=True)
    assert result.process_id == "small" and not result.created
    with pytest.raises(ModelNotFound):
        drive.start("small")


def test_only_coordinators_deploy(drive: Driver) -> None:
    from engine.errors import Forbidden

    with pytest.raises(Forbidden):
        drive.deploy(files=small(), as_user="marco")
    [deployed] = drive.deploy(files=small(), as_user="clara")
    assert deployed.created
