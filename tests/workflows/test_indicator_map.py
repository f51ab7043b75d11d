"""The dashboard's milestones name real elements of the bundled main pathway."""

from __future__ import annotations

import json
import re
from pathlib import Path

from workflows.indicators import INDICATORS

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


def test_every_milestone_element_exists_in_the_main_pathway() -> None:
    xml = (BPMN / "percorso_inclusione.bpmn").read_text()
    user_tasks = set(re.findall(r'<bpmn:userTask id="([^"]+)"', xml))
    for name in ("assessment", "patto", "first_service", "outcome"):
        elements = getattr(INDICATORS, name)
        assert elements, name
        assert set(elements) <= user_tasks, (name, set(elements) - user_tasks)


def test_the_outcome_field_is_in_the_outcome_form() -> None:
    xml = (BPMN / "percorso_inclusione.bpmn").read_text()
    [task] = INDICATORS.outcome
    body = xml.split(f'<bpmn:userTask id="{task}"', 1)[1].split("</bpmn:userTask>", 1)[0]
    form_key = re.search(r'name="formKey" value="([^"]+)"', body)
    assert form_key is not None
    form = json.loads((BPMN / "forms" / form_key.group(1)).read_text())
    assert INDICATORS.outcome_field in form["properties"]
