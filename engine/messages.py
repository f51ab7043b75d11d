"""The engine as message router: deliver to waiting cases, start processes, or keep for later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from .access import require_message_sender
from .actors import Actor
from .audit import record
from .errors import InvalidInput
from .models import Case, Message, MessageSubscription
from .progress import load_instance, lock_case, settle
from .spiff.instance import ThrownMessage
from .uow import UnitOfWork


def deliver_message(
    uow: UnitOfWork,
    name: str,
    correlation: str | None,
    payload: dict[str, Any],
    actor: Actor,
) -> list[str]:
    """Deliver a message to the cases waiting for it; store it when none is. Returns references."""
    if not name:
        raise InvalidInput("a message needs a name", [{"field": "name", "message": "required"}])
    if not isinstance(payload, dict):
        raise InvalidInput(
            "message payload must be an object", [{"field": "payload", "message": "not an object"}]
        )
    require_message_sender(uow, actor, correlation)
    delivered = _route(uow, name, correlation, payload, actor, exclude=None)
    uow.commit()
    return delivered


def _route(
    uow: UnitOfWork,
    name: str,
    correlation: str | None,
    payload: dict[str, Any],
    actor: Actor,
    exclude: int | None,
) -> list[str]:
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
        _route(uow, message.name, correlation, message.payload, actor, exclude=case.id)


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
