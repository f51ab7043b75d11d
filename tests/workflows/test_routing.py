"""routing.dmn over every combination of its inputs: one rule each, no shadowing, and the
first tasks the engine opens for each (disability or NEET with complex needs keep their own
pathway, with the Equipe beside it)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from tests.workflows.conftest import ANALISI, Walk

DMN = Path(__file__).resolve().parents[2] / "bpmn" / "routing.dmn"
NS = {"d": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
GROUPS = ("adulti", "giovani", "disabilita", "violenza")
COMBINATIONS = list(itertools.product(GROUPS, (True, False), (True, False)))
# (target group, complex needs, work ready) -> (route, Equipe too), by DOMAIN.md
EXPECTED = {
    ("adulti", True): ("equipe", True),
    ("giovani", True): ("giovani", True),
    ("giovani", False): ("giovani", False),
    ("disabilita", True): ("disabilita", True),
    ("disabilita", False): ("disabilita", False),
}
FIRST_TASKS = {
    "equipe": ["convocazione_equipe"],
    "cpi": ["patto_servizio_cpi"],
    "servizio_sociale": ["progetto_sociale"],
    "giovani": ["gg_adesione"],
    "disabilita": ["dis_verifica_l68"],
}


def expected(group: str, complex_needs: bool, work_ready: bool) -> tuple[str, bool] | None:
    if group == "violenza":
        return None  # the CAV takes violence cases in charge first: they never reach routing
    if group == "adulti" and not complex_needs:
        return ("cpi" if work_ready else "servizio_sociale", False)
    return EXPECTED[(group, complex_needs)]


def _matches(entry: str, value: object) -> bool:
    entry = entry.strip()
    return entry == "-" or entry == (f'"{value}"' if isinstance(value, str) else str(value))


def rules() -> list[tuple[list[str], list[str]]]:
    table = etree.parse(str(DMN)).find(".//d:decisionTable", NS)
    assert table is not None and table.get("hitPolicy") == "UNIQUE"
    return [
        (
            [e.findtext("d:text", namespaces=NS) or "" for e in rule.findall("d:inputEntry", NS)],
            [e.findtext("d:text", namespaces=NS) or "" for e in rule.findall("d:outputEntry", NS)],
        )
        for rule in table.findall("d:rule", NS)
    ]


@pytest.mark.parametrize(("group", "complex_needs", "work_ready"), COMBINATIONS)
def test_exactly_one_rule_holds(group: str, complex_needs: bool, work_ready: bool) -> None:
    hits = [
        outputs
        for inputs, outputs in rules()
        if all(
            _matches(e, v) for e, v in zip(inputs, (group, complex_needs, work_ready), strict=True)
        )
    ]
    want = expected(group, complex_needs, work_ready)
    if want is None:
        assert hits == []
        return
    assert hits == [[f'"{want[0]}"', str(want[1])]]


@pytest.mark.parametrize(("group", "complex_needs", "work_ready"), COMBINATIONS)
def test_the_engine_opens_the_right_first_tasks(
    walk: Walk, refer: Callable[..., str], group: str, complex_needs: bool, work_ready: bool
) -> None:
    ref = refer(group, organization="comune_cremona")
    want = expected(group, complex_needs, work_ready)
    if want is None:
        assert walk.open_elements(ref) == ["vio_presa_in_carico"]
        return
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(
        ref,
        "analisi_preliminare",
        {**ANALISI, "complex_needs": complex_needs, "work_ready": work_ready},
    )
    route, equipe = want
    tasks = FIRST_TASKS[route] + (["convocazione_equipe"] if equipe and route != "equipe" else [])
    assert walk.open_elements(ref) == sorted(tasks)
