"""Advancing a locked case and writing everything that follows from it, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, insert, select

from . import notify
from .actors import Actor
from .audit import record
from .errors import CaseClosed, CaseNotFound, StaleCase
from .models import Case, HumanTask, Incident, MessageSubscription, ProcessVersion
from .spiff import Failure, Instance, Specs
from .uow import UnitOfWork
from .worklist import sync_human_tasks

RUNNING = "running"
COMPLETED = "completed"
CANCELLED = "cancelled"


@dataclass
class Outcome:
    """What one command did to a case."""

    case: Case
    emitted: list[HumanTask] = field(default_factory=list)
    incident: Incident | None = None


def lock_case(uow: UnitOfWork, case_id: int, expected_version: int | None = None) -> Case:
    """Load a case with its row locked (FOR UPDATE; SQLite holds the write lock already)."""
    case = lock_case_where(uow, Case.id == case_id, expected_version)
    if case is None:
        raise CaseNotFound(f"case {case_id} does not exist")
    return case


def lock_case_where(
    uow: UnitOfWork, condition: ColumnElement[bool], expected_version: int | None = None
) -> Case | None:
    """The case meeting `condition`, its row locked; None if there is none."""
    case = uow.session.scalar(
        select(Case).where(condition).with_for_update().execution_options(populate_existing=True)
    )
    if case is not None:
        check_version(case, expected_version)
    return case


def check_version(case: Case, expected_version: int | None) -> None:
    """StaleCase if the caller saw another version of the case than the stored one."""
    if expected_version is not None and case.lock_version != expected_version:
        raise StaleCase(
            f"case {case.reference} changed meanwhile (version {case.lock_version}, "
            f"you had {expected_version}); reload it"
        )


def require_running(case: Case) -> None:
    if case.status != RUNNING:
        raise CaseClosed(f"case {case.reference} is {case.status}")


def case_specs(uow: UnitOfWork, case: Case) -> Specs:
    version_id = case.version_id
    return uow.runtime.specs(
        version_id, lambda: uow.session.get_one(ProcessVersion, version_id).spec_json
    )


def load_instance(uow: UnitOfWork, case: Case) -> Instance:
    """The case's workflow; commands may reuse the instance kept after the last commit."""
    return uow.runtime.load(case_specs(uow, case), case.state_json, case.id if uow.write else None)


def element_ids(uow: UnitOfWork, case: Case) -> tuple[list[str], list[str]]:
    """The case's completed and active element ids, from the kept instance when it is current."""
    kept = uow.runtime.read_kept(case.id, case.state_json, Instance.element_ids)
    if kept is not None:
        return kept
    return uow.runtime.load(case_specs(uow, case), case.state_json).element_ids()


def settle(uow: UnitOfWork, case: Case, instance: Instance, actor: Actor) -> Outcome:
    """Run the engine, then store state, worklist, wake-up, subscriptions and incidents."""
    from .messages import consume_pending, route_thrown  # messages settle cases: import late

    failure = instance.advance()
    outcome = Outcome(case)
    if failure is not None:
        outcome.incident = open_incident(uow, case, failure, actor)
    forms = uow.facts.version(uow, case.version_id).forms
    outcome.emitted = sync_human_tasks(uow, case, instance, forms)
    for task in outcome.emitted:
        record(
            uow,
            case,
            "task_emitted",
            actor,
            {"task_id": task.id, "name": task.name},
            task.element_id,
        )
        notify.task_emitted(uow, case, task)
    if instance.data.get("restricted") is True:
        case.restricted = True
    thrown = instance.thrown_messages()  # drained before storing, or reloads throw them again
    _store(uow, case, instance, actor)
    route_thrown(uow, case, thrown, actor)
    if case.status == RUNNING and instance.waiting_messages():
        consume_pending(uow, case, actor)
    return outcome


def _store(uow: UnitOfWork, case: Case, instance: Instance, actor: Actor) -> None:
    state = uow.runtime.dump(instance)
    uow.after_commit(lambda: uow.runtime.keep(case.id, state, instance))
    instance.fresh = False
    previous = case.next_wakeup_at
    changes: dict[str, Any] = {
        "state_json": state,
        "serializer_version": uow.runtime.serializer_version,
        "lock_version": case.lock_version + 1,
        "next_wakeup_at": None if instance.completed else instance.next_timer(),
    }
    at = changes["next_wakeup_at"]
    if at is not None and at != previous:
        uow.after_commit(lambda: uow.engine.notify_wakeup(at))
    _subscribe(uow, case, instance)
    if instance.completed and case.status == RUNNING:
        changes.update(status=COMPLETED, closed_at=uow.now)
        record(uow, case, "case_completed", actor)
    uow.update_now(case, **changes)
    uow.session.flush()


def _subscribe(uow: UnitOfWork, case: Case, instance: Instance) -> None:
    """Make the case's message subscriptions match what it waits for (touching only changes)."""
    names = [] if instance.completed else instance.waiting_messages()
    if names == instance.subscribed:
        return  # the rows already say this (the instance was kept from the last commit)
    wanted = set(names)
    connection = uow.session.connection()  # rows are written at once: later reads see them
    held = set(connection.execute(_SUBSCRIBED, {"case_id": case.id}).scalars())
    if held - wanted:
        connection.execute(
            delete(MessageSubscription).where(
                MessageSubscription.case_id == case.id,
                MessageSubscription.name.in_(held - wanted),
            )
        )
    if wanted - held:
        rows = [
            {"case_id": case.id, "name": name, "correlation": case.reference}
            for name in sorted(wanted - held)
        ]
        connection.execute(insert(MessageSubscription), rows)
    instance.subscribed = names


_SUBSCRIBED = select(MessageSubscription.name).where(
    MessageSubscription.case_id == bindparam("case_id")
)


def open_incident(uow: UnitOfWork, case: Case, failure: Failure, actor: Actor) -> Incident:
    """Record a failure on the case; one open incident per failing element."""
    existing = uow.session.scalar(
        select(Incident).where(
            Incident.case_id == case.id,
            Incident.resolved_at.is_(None),
            Incident.spiff_task_id == failure.task_id,
        )
    )
    if existing is not None:
        existing.error = failure.error
        existing.attempts += 1
        return existing
    incident = Incident(
        case_id=case.id,
        element_id=failure.element_id,
        spiff_task_id=failure.task_id,
        kind=failure.kind,
        error=failure.error,
        attempts=1,
        opened_at=uow.now,
    )
    uow.session.add(incident)
    uow.session.flush()
    record(
        uow,
        case,
        "incident_opened",
        actor,
        {"incident_id": incident.id, "kind": failure.kind, "error": failure.error},
        failure.element_id,
    )
    notify.incident_opened(uow, case, incident)
    return incident
