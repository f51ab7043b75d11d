"""Delivering a message from outside: to the cases waiting for it, or kept for later."""

from __future__ import annotations

from typing import Any

from engine.actors import Actor
from engine.commands.metering import metered
from engine.errors import InvalidInput
from engine.rules.access import require_message_sender
from engine.rules.progress import route_message
from engine.store.uow import UnitOfWork


@metered("deliver_message")
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
    delivered = route_message(uow, name, correlation, payload, actor)
    uow.commit()
    return delivered
