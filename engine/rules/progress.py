"""Advancing a locked case and writing everything that follows from it, in one transaction: the
state, the worklist, wake-ups, incidents, and the messages it throws (the engine routes them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, insert, inspect, select

from engine.actors import SYSTEM, Actor
from engine.errors import CaseClosed
from engine.notices import notify
from engine.rules.absences import cover_new_task
from engine.rules.audit import record
from engine.rules.restriction import restrict_called
from engine.rules.worklist import Misrouted, sync_human_tasks
from engine.spiff import Failure, Instance, Specs
from engine.spiff.instance import ThrownMessage
from engine.store.locking import lock_case
from engine.store.tables import (
    Case,
    CaseConsent,
    CaseSubject,
    HumanTask,
    Incident,
    Message,
    MessageSubscription,
    ProcessVersion,
)
from engine.store.uow import UnitOfWork

RUNNING = "running"
COMPLETED = "completed"
CANCELLED = "cancelled"


@dataclass
class Outcome:
    """What one command did to a case."""

    case: Case
    emitted: list[HumanTask] = field(default_factory=list)
    incident: Incident | None = None
    # What a command that opened the case stored: its subject, and every consent it has.
    subject: CaseSubject | None = None
    consents: list[CaseConsent] | None = None


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


T = TypeVar("T")


def element_ids(uow: UnitOfWork, case: Case) -> tuple[list[str], list[str]]:
    """The case's completed and active element ids."""
    return read_instance(uow, case, Instance.element_ids)


def read_instance(uow: UnitOfWork, case: Case, read: Callable[[Instance], T]) -> T:
    """`read` on the case's instance: the one kept in memory when current, else loaded. A read
    of committed state keeps what it loaded: a case page reads the instance two or three
    times, and the case's next command starts from it."""
    kept = uow.runtime.read_kept(case.id, case.state_json, read)
    if kept is not None:
        return kept
    instance = uow.runtime.load(case_specs(uow, case), case.state_json)
    found = read(instance)  # before it is kept: a command may then take it and change it
    if not inspect(case).attrs.state_json.history.has_changes():  # the committed state
        uow.runtime.keep(case.id, case.state_json, instance)
    return found


def settle(uow: UnitOfWork, case: Case, instance: Instance, actor: Actor) -> Outcome:
    """Run the engine, then store state, worklist, wake-up, subscriptions and incidents."""
    failure = instance.advance()
    outcome = Outcome(case)
    if failure is not None:
        outcome.incident = open_incident(uow, case, failure, actor)
    if instance.data.get("restricted") is True:
        case.restricted = True  # before the tasks open: their ladder depends on it
    restrict_called(uow, case, instance)
    forms = uow.facts.version(uow.session, case.version_id).forms
    misrouted: list[Misrouted] = []
    outcome.emitted = sync_human_tasks(uow, case, instance, forms, misrouted)
    for wrong in misrouted:
        found = Failure("organization", wrong.element_id, wrong.task_id, wrong.error)
        outcome.incident = outcome.incident or open_incident(uow, case, found, actor)
    for task in outcome.emitted:  # the engine opens tasks, not the person who moved the case
        record(
            uow,
            case,
            "task_emitted",
            SYSTEM,
            {"task_id": task.id, "name": task.name},
            task.element_id,
        )
        cover_new_task(uow, case, task, actor)  # assigned, as it opens, to someone away
    notify.tasks_emitted(uow, case, outcome.emitted, actor.user_id)
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
        uow.wake_at(at)
    _subscribe(uow, case, instance)
    if instance.completed and case.status == RUNNING:
        changes.update(status=COMPLETED, closed_at=uow.now)
        record(uow, case, "case_completed", actor)
    uow.update(case, **changes)
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


def route_message(
    uow: UnitOfWork,
    name: str,
    correlation: str | None,
    payload: dict[str, Any],
    actor: Actor,
    exclude: int | None = None,
) -> list[str]:
    """Deliver a message to the cases waiting for it, or keep it; the references it reached."""
    query = select(MessageSubscription.case_id).where(MessageSubscription.name == name)
    if correlation:
        query = query.where(MessageSubscription.correlation == correlation)
    delivered = []
    for case_id in uow.session.scalars(query.order_by(MessageSubscription.case_id)).all():
        if case_id == exclude:
            continue
        case = lock_case(uow, case_id)
        instance = load_instance(uow, case)
        if instance.catch_message(name, payload):
            record(uow, case, "message_received", actor, {"name": name, "payload": payload})
            settle(uow, case, instance, actor)
            delivered.append(case.reference)
    if not delivered:
        _keep(uow, name, correlation, payload)
    return delivered


def _keep(uow: UnitOfWork, name: str, correlation: str | None, payload: dict[str, Any]) -> None:
    uow.session.add(
        Message(
            name=name,
            correlation=correlation,
            payload=payload,
            created_at=uow.now,
            expires_at=uow.now + timedelta(days=uow.settings.message_ttl_days),
        )
    )


def route_thrown(uow: UnitOfWork, case: Case, thrown: list[ThrownMessage], actor: Actor) -> None:
    """Messages a case threw go to the other cases waiting for them (correlated by reference)."""
    for message in thrown:
        correlation = (
            message.payload.get("correlation") if isinstance(message.payload, dict) else None
        )
        record(uow, case, "message_sent", actor, {"name": message.name})
        route_message(uow, message.name, correlation, message.payload, actor, exclude=case.id)


def consume_pending(uow: UnitOfWork, case: Case, actor: Actor) -> bool:
    """Give a case the oldest stored message it now waits for; True if one was consumed."""
    names = uow.session.scalars(
        select(MessageSubscription.name).where(MessageSubscription.case_id == case.id)
    ).all()
    if not names:
        return False
    message = uow.session.scalar(
        select(Message)
        .where(
            Message.name.in_(names),
            Message.consumed_at.is_(None),
            Message.expires_at > uow.now,
            (Message.correlation.is_(None)) | (Message.correlation == case.reference),
        )
        .order_by(Message.id)
        .limit(1)
    )
    if message is None:
        return False
    instance = load_instance(uow, lock_case(uow, case.id))
    if not instance.catch_message(message.name, message.payload):
        return False
    message.consumed_at, message.consumed_by = uow.now, case.id
    record(uow, case, "message_received", actor, {"name": message.name, "stored_id": message.id})
    settle(uow, case, instance, actor)
    return True
