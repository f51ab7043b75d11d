"""Fixtures for walking the bundled pathways: the seeded network, its users, the models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from engine import Engine
from engine.scheduling.timers import fire_due_timers
from tests.support import Driver, FakeClock
from web.composition import bundled_files
from workflows.demo_people import create_demo_users, user_for
from workflows.seed import seed_network

Expected = dict[str, tuple[list[str], str, datetime]]


class Walk(Driver):
    """A Driver that checks the emitted tasks and completes them as the right demo user."""

    def __init__(self, engine: Engine, clock: FakeClock) -> None:
        super().__init__(engine)
        self.clock = clock

    def expect(self, ref: str, expected: Expected) -> None:
        """Exactly these open tasks: element -> (candidate groups, organisation, due at)."""
        found = {
            t.element_id: (t.candidate_groups, t.organization, t.due_at) for t in self.tasks(ref)
        }
        assert len(found) == len(self.tasks(ref)), f"duplicate open elements: {self.tasks(ref)}"
        assert found == expected

    def do(self, ref: str, element: str, data: dict[str, Any], task_id: int | None = None) -> None:
        """Complete the open task `element` (or task `task_id`) as a user who may do it."""
        from engine.commands.accounts import load_actor
        from engine.commands.tasks import complete_task

        task = next(t for t in self.tasks(ref) if t.id == task_id) if task_id else None
        task = task or self.task(ref, element)
        user = user_for([(g, task.organization) for g in task.candidate_groups])
        assert user is not None, f"no demo user may do {element}"
        with self.engine.uow() as uow:
            complete_task(uow, task.id, data, load_actor(uow, user))

    def fire(self, **delta: float) -> int:
        """Move the clock and fire what is due."""
        self.clock.advance(**delta)
        return fire_due_timers(self.engine, self.clock.now)

    def in_days(self, days: float) -> datetime:
        return self.clock.now + timedelta(days=days)

    def today(self, days: int = 0) -> str:
        """The test clock's date (plus `days`), as forms write it."""
        return (self.clock.now.date() + timedelta(days=days)).isoformat()

    def row(self, ref: str, element: str):  # type: ignore[no-untyped-def]
        """The open task's row (assignee, candidate groups, escalation ladder...)."""
        from engine.store.tables import HumanTask

        with self.engine.uow(write=False) as uow:
            task = uow.session.get_one(HumanTask, self.task(ref, element).id)
            uow.session.expunge(task)
            return task

    def case_row(self, ref: str):  # type: ignore[no-untyped-def]
        """The case's row, detached (owner, named people, restricted...)."""
        from engine.reads.queries import find_case

        with self.engine.uow(write=False) as uow:
            case = find_case(uow, ref)
            uow.session.expunge(case)
            return case

    def user_id(self, username: str) -> int | None:
        return self.actor(username).user_id

    def org_id(self, code: str) -> int | None:
        with self.engine.uow(write=False) as uow:
            return uow.facts.organization_id(uow.session, code)


def end_of(day: str | date) -> datetime:
    """A deadline that runs to the end of a day (how dates from forms become due times)."""
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(value, time(23, 59), UTC)


def midnight(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0, 0), UTC)


@pytest.fixture
def walk(engine: Engine, clock: FakeClock) -> Walk:
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        create_demo_users(uow)
        uow.commit()
    drive = Walk(engine, clock)
    drive.deploy(files=bundled_files())
    return drive


REFERRAL = {
    "comune": "Cremona",
    "date_of_birth": "1984-05-12",
    "sex": "F",
    "citizenship": "italiana",
    "privacy_notice": True,
    "urgency": "media",
    "subject": {"given_name": "Nora", "family_name": "Inventata"},
    "consents": {"private_partners": True, "given_by": "interessato"},
}
YOUNG = "2004-09-20"  # 21 on the test clock's date (Garanzia Giovani: 16-29)
ANALISI = {
    "first_meeting_date": "2026-03-02",  # the test clock's first day
    "complex_needs": False,
    "work_ready": False,
    "disadvantaged": False,
    "employment_status": "disoccupato",
    "did": True,
    "did_date": "2026-01-15",
}


def referral(target_group: str, **extra: Any) -> dict[str, Any]:
    """Start data that fits the referral form for a target group."""
    data: dict[str, Any] = {**REFERRAL, "target_group": target_group}
    if target_group == "giovani":
        data["date_of_birth"] = YOUNG
    if target_group == "violenza":
        data["consents"] = {**data["consents"], "pathway": True}
    return {**data, **extra}


@pytest.fixture
def refer(walk: Walk) -> Callable[..., str]:
    """Start a main-pathway case for a target group, referred by an organisation."""

    def start(target_group: str, organization: str = "cgil", **extra: Any) -> str:
        data = referral(target_group, **extra)
        return walk.start("percorso_inclusione", data, organization=organization)

    return start


CM = ["case_manager", "cav_operator"]  # the owner's lead: a CAV's operators on a CAV's case
COMUNE = "comune_cremona"
ASC = "azienda_sociale_cremonese"
CAV = "cav_aida"
