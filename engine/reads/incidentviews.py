"""Reading incidents: failures awaiting a person, scoped like the cases they belong to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.actors import Actor
from engine.errors import InvalidInput
from engine.rules.access import case_scope, require_case_reader
from engine.store.pages import Page, check_limit, cursor_id, id_cursor
from engine.store.tables import Case, Incident
from engine.store.uow import UnitOfWork

STATUSES = ("open", "resolved", "all")


@dataclass(frozen=True)
class IncidentFilter:
    status: str = "open"
    case: str | None = None
    process: str | None = None


def list_incidents(
    uow: UnitOfWork, actor: Actor, f: IncidentFilter, cursor: str | None = None, limit: int = 50
) -> Page[dict[str, Any]]:
    """Incidents of the cases the actor may see, oldest first."""
    require_case_reader(actor)
    check_limit(limit)
    if f.status not in STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(STATUSES)}",
            [{"field": "status", "message": "unknown"}],
        )
    query = select(Incident, Case.reference).join(Case, Case.id == Incident.case_id)
    query = query.where(case_scope(actor))
    if f.status != "all":
        resolved = Incident.resolved_at.is_not(None)
        query = query.where(resolved if f.status == "resolved" else ~resolved)
    if f.case:
        query = query.where(Case.reference == f.case)
    if f.process:
        query = query.where(Case.process_id == f.process)
    after = cursor_id(cursor)
    if after is not None:
        query = query.where(Incident.id > after)
    rows = uow.session.execute(query.order_by(Incident.id).limit(limit + 1)).all()
    items = [incident_row(i, ref) for i, ref in rows[:limit]]
    next_cursor = id_cursor(rows[limit - 1][0].id) if len(rows) > limit else None
    return Page(items, next_cursor)


def incident_row(incident: Incident, reference: str) -> dict[str, Any]:
    """An incident as lists show it."""
    return {
        "id": incident.id,
        "case": reference,
        "element_id": incident.element_id,
        "kind": incident.kind,
        "error": incident.error,
        "attempts": incident.attempts,
        "opened_at": incident.opened_at,
        "resolved_at": incident.resolved_at,
    }
