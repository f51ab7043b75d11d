"""Differences between two versions of a BPMN model, computed from their XML."""

from __future__ import annotations

import pytest

from engine.errors import ModelInvalid, UploadRejected
from engine.rules.model_diff import describe_elements, diff_models
from tests.support import FIXTURES

LIMIT = 1_000_000
V1 = (FIXTURES / "inclusione_mini.bpmn").read_text()


def edited(xml: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert old in xml, old
        xml = xml.replace(old, new)
    return xml


NEW_TASK = (
    '<bpmn:userTask id="colloquio" name="Colloquio di orientamento">'
    "<bpmn:extensionElements><spiffworkflow:properties>"
    '<spiffworkflow:property name="dueIn" value="P7D" />'
    "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
)


def test_identical_versions_have_no_differences() -> None:
    diff = diff_models(V1, V1, LIMIT)
    assert diff.empty
    assert (diff.added, diff.removed, diff.changed) == ([], [], [])


def test_elements_added_removed_and_changed_are_listed_by_id() -> None:
    v2 = edited(
        V1,
        ('name="Firma del patto"', 'name="Firma del patto personalizzato"'),
        (
            '<spiffworkflow:property name="dueIn" value="P60D" />',
            '<spiffworkflow:property name="dueIn" value="P45D" />',
        ),
        ('<bpmn:endEvent id="end"', NEW_TASK + '<bpmn:endEvent id="end"'),
        (
            '<bpmn:sequenceFlow id="f5" sourceRef="esito" targetRef="end" />',
            '<bpmn:sequenceFlow id="f5" sourceRef="esito" targetRef="colloquio" />'
            '<bpmn:sequenceFlow id="f6" sourceRef="colloquio" targetRef="end" />',
        ),
    )
    diff = diff_models(V1, v2, LIMIT)
    assert [(e.element_id, e.type, e.name) for e in diff.added] == [
        ("colloquio", "userTask", "Colloquio di orientamento"),
        ("f6", "sequenceFlow", ""),
    ]
    assert diff.removed == []
    changed = {
        c.element.element_id: {f.field: (f.before, f.after) for f in c.changes}
        for c in diff.changed
    }
    assert changed["patto"] == {
        "name": ("Firma del patto", "Firma del patto personalizzato"),
        "property:dueIn": ("P60D", "P45D"),
    }
    assert changed["f5"] == {"target": ("end", "colloquio")}
    assert changed["end"] == {"incoming": ("f5", "f6")}
    assert set(changed) == {"patto", "f5", "end"}


def test_removed_element_and_changed_type_condition_and_timer() -> None:
    v1 = edited(
        V1,
        (
            '<bpmn:sequenceFlow id="f2" sourceRef="analisi_preliminare" targetRef="patto" />',
            '<bpmn:sequenceFlow id="f2" sourceRef="analisi_preliminare" targetRef="patto">'
            "<bpmn:conditionExpression>complesso == False</bpmn:conditionExpression>"
            "</bpmn:sequenceFlow>",
        ),
        (
            '<bpmn:startEvent id="start" name="Segnalazione ricevuta">',
            '<bpmn:startEvent id="start" name="Segnalazione ricevuta">'
            '<bpmn:timerEventDefinition id="t1"><bpmn:timeDuration>"P1D"</bpmn:timeDuration>'
            "</bpmn:timerEventDefinition>",
        ),
    )
    v2 = edited(
        v1,
        ("complesso == False", "complesso == True"),
        ('"P1D"', '"P2D"'),
        ('<bpmn:userTask id="esito"', '<bpmn:manualTask id="esito"'),
        (
            "<bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>",
            "<bpmn:outgoing>f5</bpmn:outgoing></bpmn:manualTask>",
        ),
        ('<bpmn:userTask id="segnalazione"', '<bpmn:userTask id="presa_in_carico"'),
        ('targetRef="segnalazione"', 'targetRef="presa_in_carico"'),
        ('sourceRef="segnalazione"', 'sourceRef="presa_in_carico"'),
    )
    diff = diff_models(v1, v2, LIMIT)
    assert [e.element_id for e in diff.added] == ["presa_in_carico"]
    assert [e.element_id for e in diff.removed] == ["segnalazione"]
    changed = {
        c.element.element_id: {f.field: (f.before, f.after) for f in c.changes}
        for c in diff.changed
    }
    assert changed["f2"] == {"condition": ("complesso == False", "complesso == True")}
    assert changed["start"] == {"timer": ('timeDuration: "P1D"', 'timeDuration: "P2D"')}
    assert changed["esito"] == {"type": ("userTask", "manualTask")}
    assert changed["f0"] == {"target": ("segnalazione", "presa_in_carico")}
    assert changed["f1"] == {"source": ("segnalazione", "presa_in_carico")}


def test_event_definitions_and_diagram_are_not_elements_of_their_own() -> None:
    elements = describe_elements(V1, LIMIT)
    assert "start" in elements and "f0" in elements
    assert not any(i.endswith("_di") for i in elements)
    assert elements["segnalazione"].fields["property:candidateGroups"] == "case_manager"
    assert elements["segnalazione"].fields["incoming"] == "f0"


def test_entities_and_malformed_xml_are_refused() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(UploadRejected):
        describe_elements(evil, LIMIT)
    with pytest.raises(ModelInvalid) as err:
        describe_elements("<bpmn:definitions", LIMIT)
    assert err.value.problems[0]["line"] == 1
