"""Pseudonymised exports: one row per case for coordinators, never a name or a tax code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.actors import Actor
from engine.errors import Forbidden
from engine.reporting.indicator_queries import (
    DashboardQuery,
    case_base,
    case_rows,
    first_milestones,
    last_of_each_case,
    outcome_values,
)
from engine.reporting.indicators import IndicatorMap, aggregates_only, require_dashboard_reader
from engine.rules.access import record_restricted_read
from engine.store.tables import Case
from engine.store.uow import UnitOfWork

CASE_COLUMNS = (
    "reference",
    "process_id",
    "version",
    "target_group",
    "comune",
    "referring_organization",
    "status",
    "opened_on",
    "assessment_on",
    "patto_on",
    "first_service_on",
    "outcome",
    "closed_on",
)


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else ""


def case_export(
    uow: UnitOfWork, actor: Actor, q: DashboardQuery, mapping: IndicatorMap
) -> list[dict[str, str]]:
    """Per case: reference, grouping fields, milestone dates and outcome; no identity at all.

    The Comune of a restricted (violence pathway) case is left out: with a reference it could
    point to the woman in a small Comune.
    """
    require_dashboard_reader(actor)
    if aggregates_only(actor):
        raise Forbidden(f"{actor.username} may export aggregates only")
    q.check()
    base = case_base(q)
    reached = {c: r for c, _k, _o, r in first_milestones(uow, base, mapping.milestone_of())}
    values = outcome_values(uow, base, mapping.outcome, mapping.outcome_field)
    recorded = last_of_each_case((c, k, v) for c, k, v in values if v is not None)
    outcomes = {case_id: str(value) for case_id, _key, value in recorded}
    rows = case_rows(uow, base)
    restricted = [row.id for row in rows if row.restricted]
    if restricted:  # the export reads their data: audited as any read of a restricted case
        for case in uow.session.scalars(select(Case).where(Case.id.in_(restricted))).all():
            record_restricted_read(uow, actor, case, {"what": "export"})
    return [
        {
            "reference": row.reference,
            "process_id": row.process_id,
            "version": str(row.version),
            "target_group": row.target_group or "",
            "comune": "" if row.restricted else (row.comune or ""),
            "referring_organization": row.organization or "",
            "status": row.status,
            "opened_on": _day(row.opened_at),
            "assessment_on": _day(reached.get(row.id, {}).get("assessment")),
            "patto_on": _day(reached.get(row.id, {}).get("patto")),
            "first_service_on": _day(reached.get(row.id, {}).get("first_service")),
            "outcome": outcomes.get(row.id, ""),
            "closed_on": _day(row.closed_at),
        }
        for row in rows
    ]
