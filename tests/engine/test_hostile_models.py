"""Findings 5, 10 (uploads) and 11 of the red-team pass: forms cannot reach out, patterns cannot
hang a request, and odd or malformed uploads get a clear deploy error (or simply work)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import Engine
from engine.errors import FormDataInvalid, ModelInvalid, UploadRejected
from engine.spiff.forms import validate_data
from engine.store.tables import ProcessVersion
from tests.support import FIXTURES, Driver, fixture_files

SECRET = "internal-secret-4711"


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        body = json.dumps({"type": "string", "const": SECRET}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def internal_url() -> Iterator[str]:
    """An 'internal' HTTP service on the loopback that records every request it gets."""
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/secret.json"
    server.shutdown()
    server.server_close()


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def form_with(field: dict[str, object]) -> bytes:
    form = json.loads((FIXTURES / "forms" / "intake.json").read_text())
    form["properties"]["resident"] = field
    return json.dumps(form).encode()


def deploy_with_form(drive: Driver, form: bytes) -> None:
    drive.deploy(files={**fixture_files("three_tasks.bpmn"), "intake.json": form})


@pytest.mark.parametrize("ref", ["URL", "file:///etc/passwd", "other.json#/defs/x"])
def test_deploy_refuses_a_form_that_refers_outside_itself(
    drive: Driver, internal_url: str, ref: str
) -> None:
    target = internal_url if ref == "URL" else ref
    with pytest.raises(ModelInvalid, match="only local references") as err:
        deploy_with_form(drive, form_with({"$ref": target}))
    assert err.value.problems[0]["field"] == "/properties/resident/$ref"
    assert _Recorder.hits == []


def test_validating_task_data_never_fetches_a_reference(internal_url: str) -> None:
    """A form stored before deploy refused remote references: validation fetches nothing and
    echoes nothing of what the URL would have answered."""
    for target in (internal_url, "file:///etc/passwd"):
        schema = {"type": "object", "properties": {"resident": {"$ref": target}}}
        with pytest.raises(FormDataInvalid) as err:
            validate_data(schema, {"resident": "anything"})
        assert SECRET not in str(err.value) and "root:" not in str(err.value)
    assert _Recorder.hits == []


def test_a_catastrophic_pattern_answers_at_once(drive: Driver) -> None:
    """`^(a+)+$` took 2.8 s for 27 characters, doubling with each one: 60 would take decades."""
    deploy_with_form(drive, form_with({"type": "string", "pattern": "^(a+)+$"}))
    ref = drive.start("three_tasks")
    with pytest.raises(FormDataInvalid, match="does not match"):
        drive.complete(ref, "intake", {"resident": "a" * 60 + "!", "urgency": "low"})
    drive.complete(ref, "intake", {"resident": "aaaa", "urgency": "low"})
    assert drive.open_elements(ref) == ["assess"]


@pytest.mark.parametrize("pattern", ["^(a)\\1$", "^(?=a)a+$", "^(?<!b)a$"])
def test_deploy_refuses_patterns_without_a_linear_time_match(drive: Driver, pattern: str) -> None:
    with pytest.raises(ModelInvalid, match="cannot run in linear time"):
        deploy_with_form(drive, form_with({"type": "string", "pattern": pattern}))
    with pytest.raises(ModelInvalid, match="cannot run in linear time"):
        deploy_with_form(drive, form_with({"type": "object", "patternProperties": {pattern: {}}}))


def test_a_deeply_nested_form_is_refused(drive: Driver) -> None:
    for depth in (100, 40_000):
        nested = '{"type": "object", "properties": {"x": ' * depth + "{}" + "}}" * depth
        with pytest.raises(ModelInvalid, match="nested"):
            deploy_with_form(drive, nested.encode())


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16"])
def test_bpmn_in_another_encoding_deploys_and_runs(drive: Driver, encoding: str) -> None:
    text = (FIXTURES / "three_tasks.bpmn").read_text()
    text = text.replace('encoding="UTF-8"', f'encoding="{encoding}"')
    text = text.replace('name="Three tasks"', 'name="Attività più lunga"')
    codec = "latin-1" if encoding == "ISO-8859-1" else "utf-16"
    drive.deploy(files={"three_tasks.bpmn": text.encode(codec), **fixture_files("intake.json")})
    ref = drive.start("three_tasks")
    assert drive.open_elements(ref) == ["intake"]
    with drive.engine.uow(write=False) as uow:
        stored = uow.session.scalar(select(ProcessVersion.bpmn_xml))
    assert stored is not None and "Attività più lunga" in stored


def test_utf16_doctype_is_still_refused(drive: Driver) -> None:
    text = (
        (FIXTURES / "three_tasks.bpmn").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    )
    text = text.replace("?>", '?><!DOCTYPE x [<!ENTITY e "boom">]>', 1)
    with pytest.raises(UploadRejected, match="DOCTYPE"):
        drive.deploy(
            files={"three_tasks.bpmn": text.encode("utf-16"), **fixture_files("intake.json")}
        )


DMN = (FIXTURES / "route_decision.dmn").read_text()


@pytest.mark.parametrize(
    ("dmn", "message"),
    [
        (
            '<?xml version="1.0"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"'
            ' id="d" name="x" namespace="y"/>',
            "cannot be parsed",
        ),
        (DMN.replace('<inputEntry id="r1i"><text>True</text></inputEntry>', ""), "needs 1 input"),
        (DMN.replace("<text>True</text>", "<text>(((</text>"), "never closed"),
        (DMN.replace("<text>True</text>", "<text>" + "?" * 5000 + "</text>"), "limited to"),
    ],
    ids=["no decision", "missing cell", "bad cell", "huge cell"],
)
def test_malformed_dmn_is_refused_at_deploy(drive: Driver, dmn: str, message: str) -> None:
    routing = (FIXTURES / "routing.bpmn").read_bytes()
    with pytest.raises(ModelInvalid, match=message):
        drive.deploy(files={"routing.bpmn": routing, "route_decision.dmn": dmn.encode()})


def test_the_bundled_models_deploy_with_every_check(drive: Driver) -> None:
    from web.composition import bundled_files
    from workflows.seed import seed_network

    with drive.engine.uow() as uow:
        seed_network(uow)
        uow.commit()
    deployed = drive.deploy(files=bundled_files(Path(__file__).resolve().parents[2] / "bpmn"))
    assert deployed
