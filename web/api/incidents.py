"""Incidents: failures awaiting a person, and retrying them."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine.commands.cases import retry_incident
from engine.reads.incidentviews import IncidentFilter, list_incidents

from .calls import call, filters, read
from .schemas import IncidentPageSchema, IncidentQuerySchema, OutcomeSchema
from .tasks import outcome_view

PATH = "/incidents"
blp = Blueprint("incidents", __name__, description="Incidents: failed scripts and stalls")


@blp.get("")
@blp.arguments(IncidentQuerySchema(), location="query")
@blp.response(200, IncidentPageSchema)
def index(args: dict[str, Any]) -> Any:
    """Incidents of the cases the caller may see (open ones unless status says otherwise)."""
    return read(
        lambda uow, actor: list_incidents(
            uow, actor, filters(args, IncidentFilter), args.get("cursor"), args["limit"]
        )
    )


@blp.post("/<int:incident_id>/retry")
@blp.response(200, OutcomeSchema)
def retry(incident_id: int) -> Any:
    """Run the failed element again (coordinators)."""
    return call(lambda uow, actor: outcome_view(uow, retry_incident(uow, incident_id, actor)))
