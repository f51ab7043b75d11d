"""The dashboard's milestones and results name real elements and fields of the bundled models."""

from __future__ import annotations

import json
import re
from pathlib import Path

from workflows.indicators import INDICATORS, LEGACY

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


def user_tasks() -> dict[str, str]:
    """Every user task of the bundled diagrams -> its form key."""
    found = {}
    for path in BPMN.glob("*.bpmn"):
        xml = path.read_text()
        for element in re.findall(r'<bpmn:userTask id="([^"]+)"', xml):
            body = xml.split(f'<bpmn:userTask id="{element}"', 1)[1].split("</bpmn:userTask>")[0]
            key = re.search(r'name="formKey" value="([^"]+)"', body)
            found[element] = key.group(1) if key else ""
    return found


def form_fields(element: str) -> set[str]:
    form = json.loads((BPMN / "forms" / user_tasks()[element]).read_text())
    return set(form["properties"])


def test_every_milestone_and_result_element_exists() -> None:
    tasks = set(user_tasks())
    m = INDICATORS
    for name in ("assessment", "patto", "first_service", "outcome", "traineeship_starts"):
        elements = set(getattr(m, name)) - set(LEGACY)
        assert elements, name
        assert elements <= tasks, (name, elements - tasks)
    assert {e for e, _t in m.service_starts} <= tasks
    for elements in (m.traineeship_ends, m.followup_28_days, m.followup_6_months):
        assert elements and set(elements) <= tasks


def test_pacts_are_counted_wherever_they_are_signed() -> None:
    """Every task whose form records a pact's date counts as a pact."""
    signing = {e for e in user_tasks() if "patto_date" in form_fields(e)}
    assert signing == set(INDICATORS.patto)


def test_the_fields_the_results_read_are_in_their_forms() -> None:
    m = INDICATORS
    assert m.outcome_field in form_fields(m.outcome[0])
    assert {"result"} <= form_fields(m.traineeship_ends[0])
    assert {"contacted", "employed"} <= form_fields(m.followup_6_months[0])
    outcomes = json.loads((BPMN / "forms" / "esito_percorso.json").read_text())
    values = {o["const"] for o in outcomes["properties"]["outcome"]["oneOf"]}
    assert m.dropout_outcome in values
    results = json.loads((BPMN / "forms" / "esito_tirocinio.json").read_text())
    values = {o["const"] for o in results["properties"]["result"]["oneOf"]}
    assert {*m.completed_results, m.job_result} <= values
