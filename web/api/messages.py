"""Messages: deliver to waiting cases, or keep for a case that will wait for it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine.commands.messages import deliver_message

from .calls import call
from .schemas import DeliverySchema, MessageSchema

PATH = "/messages"
blp = Blueprint("messages", __name__, description="Messages between cases and integrations")


@blp.post("")
@blp.arguments(MessageSchema())
@blp.response(200, DeliverySchema)
def deliver(body: dict[str, Any]) -> Any:
    """Deliver a message by name and correlation (a case reference)."""
    delivered = call(
        lambda uow, actor: deliver_message(
            uow, body["name"], body.get("correlation"), body["payload"], actor
        )
    )
    return {"delivered_to": delivered, "stored": not delivered}
