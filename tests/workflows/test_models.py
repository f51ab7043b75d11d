"""Static checks of the bundled models: forms, deadlines, roles, organisations, the DI layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

from web.composition import BUNDLED_MODELS
from workflows.catalogue import CATALOGUE
from workflows.network import ORGANIZATIONS, ROLES

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
}
DIAGRAMS = sorted(BUNDLED_MODELS.glob("*.bpmn"))
FORMS = sorted((BUNDLED_MODELS / "forms").glob("*.json"))
FLOW_NODES = [
    *("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"),
    *("userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask"),
    *("callActivity", "subProcess", "boundaryEvent"),
    *("exclusiveGateway", "parallelGateway", "inclusiveGateway"),
]


def tree(path: Path) -> Any:
    return etree.parse(str(path))


def props(task: Any) -> dict[str, str]:
    found = task.findall("bpmn:extensionElements/spiff:properties/spiff:property", NS)
    return {p.get("name"): p.get("value") for p in found}


def user_tasks() -> list[tuple[str, Any]]:
    return [
        (path.name, task)
        for path in DIAGRAMS
        for task in tree(path).iterfind(".//bpmn:userTask", NS)
    ]


def test_every_catalogued_pathway_is_bundled() -> None:
    assert {p.file for p in CATALOGUE} == {p.name for p in DIAGRAMS}
    assert len(user_tasks()) >= 37


@pytest.mark.parametrize(("file", "task"), user_tasks(), ids=lambda v: getattr(v, "get", str)("id"))
def test_user_task_has_form_due_role_and_organisation(file: str, task: Any) -> None:
    p = props(task)
    assert p.get("formKey"), f"{file}:{task.get('id')} has no form"
    assert (BUNDLED_MODELS / "forms" / p["formKey"]).is_file(), p["formKey"]
    assert p.get("dueIn"), f"{file}:{task.get('id')} has no dueIn"
    assert set(p["candidateGroups"].split(",")) <= set(ROLES)
    org = p["organization"]
    codes = {code for code, _n, _k in ORGANIZATIONS}
    # a code, the case's owner, the Equipe partner of the multi-instance, or an expression
    assert org in codes | {"case_owner", "equipe_partner"} or not org.isidentifier(), org
    assert org not in ("confcooperative", "federsolidarieta")  # associations, not employers


def test_case_manager_tasks_go_to_the_case_owner() -> None:
    """Except the Reddito di libertà (her Comune's social service) and Equipe contributions."""
    elsewhere = {"vio_reddito_liberta": "social_service_for(comune)"}
    for _file, task in user_tasks():
        p = props(task)
        if (
            "case_manager" in p["candidateGroups"].split(",")
            and task.get("id") != "contributo_equipe"
        ):
            assert p["organization"] == elsewhere.get(task.get("id"), "case_owner"), task.get("id")
            assert p.get("assignee") == "named", task.get("id")


def test_the_pathways_declare_owner_and_restriction() -> None:
    found = {
        path.name: {
            p.get("name"): p.get("value")
            for p in tree(path).findall(
                "bpmn:process/bpmn:extensionElements/spiff:properties/spiff:property", NS
            )
        }
        for path in DIAGRAMS
    }
    assert found["percorso_inclusione.bpmn"] == {
        "caseOwner": "case_owner_for(target_group, comune, referring_organization)",
        "restrictedTargetGroups": "violenza",
    }
    assert found["percorso_violenza.bpmn"]["restricted"] == "true"


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_form_is_valid_json_schema_with_translations(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    for node in titled_nodes(schema):
        assert node["x-i18n"]["en"]["title"], f"{path.name}: {node['title']} lacks English"


def titled_nodes(node: Any) -> list[dict[str, Any]]:
    """Every schema node with a title, depth first."""
    if isinstance(node, list):
        return [n for item in node for n in titled_nodes(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if "title" in node else []
    return own + [n for k, v in node.items() if k != "x-i18n" for n in titled_nodes(v)]


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_element_is_drawn(path: Path) -> None:
    """bpmn-js needs a shape for every flow node and an edge for every sequence flow."""
    doc = tree(path)
    nodes = {e.get("id") for tag in FLOW_NODES for e in doc.iterfind(f".//bpmn:{tag}", NS)}
    flows = {e.get("id") for e in doc.iterfind(".//bpmn:sequenceFlow", NS)}
    shapes = {s.get("bpmnElement"): s for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert nodes - set(shapes) == set()
    assert flows - set(edges) == set()
    for shape in shapes.values():
        bounds = shape.find("dc:Bounds", NS)
        assert float(bounds.get("width")) > 0 and float(bounds.get("x")) >= 0
    for edge in edges.values():
        assert len(edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2
    planes = {p.get("bpmnElement") for p in doc.iterfind(".//bpmndi:BPMNPlane", NS)}
    subprocesses = {s.get("id") for s in doc.iterfind(".//bpmn:subProcess", NS)}
    processes = {p.get("id") for p in doc.iterfind("bpmn:process", NS)}
    assert planes == subprocesses | processes  # collapsed subprocesses get their own plane


def test_committed_models_match_their_generator(tmp_path: Path, monkeypatch: Any) -> None:
    """The files in bpmn/ are what workflows/modelgen writes (regenerate with make models)."""
    from workflows.modelgen import build_models

    monkeypatch.setattr(build_models, "ROOT", tmp_path)
    build_models.main()
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(BUNDLED_MODELS) for p in BUNDLED_MODELS.rglob("*") if p.is_file()
    )
    assert generated == committed
    for rel in generated:
        assert (tmp_path / rel).read_bytes() == (BUNDLED_MODELS / rel).read_bytes(), rel


BOUNDS = ("x", "y", "width", "height")


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_shapes_do_not_overlap(path: Path) -> None:
    """Only a boundary event sits on another shape: the border of its host."""
    doc = tree(path)
    hosts = {b.get("id"): b.get("attachedToRef") for b in doc.iterfind(".//bpmn:boundaryEvent", NS)}
    for plane in doc.iterfind(".//bpmndi:BPMNPlane", NS):
        boxes = [
            (s.get("bpmnElement"), *(float(s.find("dc:Bounds", NS).get(k)) for k in BOUNDS))
            for s in plane.iterfind("bpmndi:BPMNShape", NS)
        ]
        for i, (a, ax, ay, aw, ah) in enumerate(boxes):
            for b, bx, by, bw, bh in boxes[i + 1 :]:
                overlap = ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
                assert not overlap or hosts.get(a) == b or hosts.get(b) == a, (a, b)
