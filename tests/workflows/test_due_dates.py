"""Every path of the bundled pathways, walked through the engine: every task that opens has a
due date, and together the walks open every user task of every pathway."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from lxml import etree

from engine.commands.accounts import load_actor
from engine.commands.tasks import complete_task
from tests.workflows.conftest import Walk, referral
from workflows.demo_answers import Scenario, answer
from workflows.demo_people import user_for
from workflows.network import SERVICE_TYPES

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def every_user_task() -> set[str]:
    return {
        str(task.get("id"))
        for path in BPMN.glob("*.bpmn")
        for task in etree.parse(str(path)).iterfind(".//bpmn:userTask", NS)
    }


@dataclass
class Path_:
    """One walk: the referral, the choices, the answers forced, what waits for a timer."""

    group: str
    scenario: dict[str, Any]
    referral: dict[str, Any] = field(default_factory=dict)
    organization: str = "comune_cremona"
    forced: dict[str, dict[str, Any]] = field(default_factory=dict)
    # element -> the element that must have opened before it is done (time passes meanwhile)
    wait: dict[str, str] = field(default_factory=dict)


ALL_SERVICES = tuple(s.code for s in SERVICE_TYPES)
PATHS = [
    Path_(
        "adulti",
        {"adi": True, "work_ready": True, "service_codes": ALL_SERVICES, "extensions": 1},
        wait={"conclusione_tirocinio": "proroga_tirocinio", "esito_percorso": "verifica_periodica"},
    ),
    Path_("adulti", {"resident": False}),
    Path_("adulti", {"complex_needs": True, "partners": ("asst_cremona", "cisl", "cgil")}),
    Path_("adulti", {}),
    Path_(
        "giovani",
        {"gg_joined": True, "neet": True},
        forced={"gg_offerta": {"offer_type": "formazione"}},
    ),
    Path_("giovani", {"gg_joined": False, "neet": False, "complex_needs": True}),
    Path_(
        "disabilita",
        {"l68_status": True},
        wait={"esito_percorso": "aggiornamento_l68"},
    ),
    Path_("disabilita", {"l68_status": False, "complex_needs": True}),
    Path_("violenza", {"employed": True, "wants_work": True}, organization="cav_aida"),
    Path_("violenza", {"employed": False, "wants_work": False}, organization="comune_cremona"),
]


def test_every_task_of_every_path_has_a_due_date(walk: Walk) -> None:
    seen: set[str] = set()
    for n, path in enumerate(PATHS):
        scenario = Scenario(rng=random.Random(n), target_group=path.group, **path.scenario)
        data = referral(path.group, **path.referral)
        ref = walk.start("percorso_inclusione", data, organization=path.organization)
        _walk(walk, ref, scenario, path, seen)
    assert seen == every_user_task(), sorted(every_user_task() - seen)


def _walk(walk: Walk, ref: str, scenario: Scenario, path: Path_, seen: set[str]) -> None:
    for _ in range(300):
        tasks = walk.tasks(ref)
        for task in tasks:
            assert task.due_at is not None, f"{ref}: {task.element_id} has no due date"
            seen.add(task.element_id)
        case = walk.case(ref)
        if case["status"] != "running":
            return
        doable = [t for t in tasks if _doable(t, path, seen)]
        if doable:
            _do(walk, doable[0], scenario, path)
            walk.clock.advance(hours=6)
            continue
        wake = case["next_wakeup_at"]
        assert wake is not None, f"{ref} waits for nothing: {[t.element_id for t in tasks]}"
        walk.clock.now = max(walk.clock.now, _moment(wake)) + timedelta(seconds=1)
        walk.fire()
    raise AssertionError(f"{ref} did not end in 300 steps")


def _doable(task: Any, path: Path_, seen: set[str]) -> bool:
    if user_for([(g, task.organization) for g in task.candidate_groups]) is None:
        return False  # nobody of the demo works there: it waits until its timer
    needed = path.wait.get(task.element_id)
    return needed is None or needed in seen


def _do(walk: Walk, task: Any, scenario: Scenario, path: Path_) -> None:
    data = answer(task.element_id, scenario, walk.clock.now.date())
    data.update(path.forced.get(task.element_id, {}))
    user = user_for([(g, task.organization) for g in task.candidate_groups])
    with walk.engine.uow() as uow:
        complete_task(uow, task.id, data, load_actor(uow, user))


def _moment(text: str):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(text)
