"""The worklist index (worklist_entry, kept by triggers) answers as the scope rule does."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine import SYSTEM, Engine
from engine.actors import Actor
from engine.commands.accounts import load_actor
from engine.commands.deployment import deploy_model
from engine.reads.taskviews import FAR_FUTURE, TaskFilter, _base, _filtered, count_tasks, list_tasks
from engine.store import worklist_entries
from engine.store.tables import CaseParty, HumanTask, Organization, User, WorklistEntry
from web.composition import bundled_files
from workflows.demo import create_demo
from workflows.demo_people import DEMO_USERS
from workflows.seed import seed_network

FILTERS = [
    TaskFilter(),
    TaskFilter(sort="priority"),
    TaskFilter(assignee="me"),
    TaskFilter(assignee="none", sort="priority"),
    TaskFilter(assignee="giulia.rossi"),
    TaskFilter(group="equipe_member"),
    TaskFilter(group="case_manager", state="unclaimed"),
    TaskFilter(organization="comune_cremona"),
    TaskFilter(organization="provincia_cremona", sort="priority"),
    TaskFilter(state="claimed"),
    TaskFilter(overdue=True),
    TaskFilter(overdue=False, sort="priority"),
    TaskFilter(target_group="violenza"),
    TaskFilter(process="percorso_inclusione", target_group="giovani"),
]


@pytest.fixture
def demo(engine: Engine) -> Engine:
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    create_demo(engine, 8)
    return engine


def entries(engine: Engine) -> set[tuple[Any, ...]]:
    with engine.uow(write=False) as uow:
        rows = uow.session.execute(select(WorklistEntry)).scalars()
        return {
            (
                e.task_id,
                e.role,
                e.scope_id,
                e.due_key,
                e.priority_rank,
                e.assignee_id,
                e.organization_id,
                e.process_id,
                e.target_group,
            )
            for e in rows
        }


def every_page(engine: Engine, actor: Actor, f: TaskFilter, limit: int) -> list[int]:
    ids: list[int] = []
    cursor = None
    with engine.uow(write=False) as uow:
        while True:
            page = list_tasks(uow, actor, f, cursor, limit)
            ids.extend(item["id"] for item in page.items)
            if page.next_cursor is None:
                return ids
            cursor = page.next_cursor


def by_scope_rule(engine: Engine, actor: Actor, f: TaskFilter) -> list[int]:
    """The same tasks read with the OR-of-EXISTS scope rule, in the page's order."""
    with engine.uow(write=False) as uow:
        query = _filtered(_base(actor), f, actor, uow.now)
        tasks = [
            ((t.due_at or FAR_FUTURE) if f.sort == "due" else -t.priority, t.id)
            for t in uow.session.execute(query)
        ]
    return [task_id for _key, task_id in sorted(tasks)]


def test_every_demo_user_sees_the_tasks_the_scope_rule_gives(demo: Engine) -> None:
    with demo.uow(write=False) as uow:
        people = [load_actor(uow, username) for username, _name, _roles in DEMO_USERS]
    actors = [a for a in people if a.roles != {"cabina_viewer"}]  # aggregates only
    actors.append(replace(actors[0], is_admin=True))
    for actor in actors:
        for f in FILTERS:
            expected = by_scope_rule(demo, actor, f)
            assert every_page(demo, actor, f, 4) == expected, (actor.username, f)
            with demo.uow(write=False) as uow:
                assert count_tasks(uow, actor, f) == min(len(expected), 100)


def test_the_triggers_keep_the_entries_a_rebuild_makes(demo: Engine) -> None:
    kept = entries(demo)
    with demo.db.begin() as conn:
        made = worklist_entries.rebuild(conn)
    assert made == len(kept) > 0
    assert entries(demo) == kept
    with demo.uow() as uow:  # claim, move, reprioritise, take away its organisation, add a party
        task = (
            uow.session.scalars(
                select(HumanTask).where(
                    HumanTask.status == "open", HumanTask.organization_id.is_(None)
                )
            ).first()
            or uow.session.scalars(select(HumanTask).where(HumanTask.status == "open")).first()
        )
        assert task is not None
        task.assignee_id = uow.session.scalar(
            select(User.id).where(User.username == "sara.colombo")
        )
        task.due_at = (task.due_at or uow.now) + timedelta(days=3)
        task.priority += 1
        task.organization_id = None  # its roles' entries now follow the case's parties
        parties = select(CaseParty.organization_id).where(CaseParty.case_id == task.case_id)
        outsider = uow.session.scalar(
            select(Organization.id).where(Organization.id.not_in(parties)).limit(1)
        )
        uow.session.add(CaseParty(case_id=task.case_id, organization_id=outsider))
        uow.commit()
    with demo.db.begin() as conn:
        kept_before_rebuild = entries(demo)
        worklist_entries.rebuild(conn)
    assert entries(demo) == kept_before_rebuild
    with demo.uow() as uow:
        for row in uow.session.scalars(select(HumanTask).where(HumanTask.status == "open")):
            row.status = "completed"
        uow.commit()
    assert entries(demo) == set()
