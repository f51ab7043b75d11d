"""The dashboard: the network's indicators, charts, the heatmap on a diagram, CSV exports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from engine import Actor
from engine.commands.accounts import organization_names
from engine.errors import InvalidInput
from engine.reads.context import task_names
from engine.reads.modeling import process_names
from engine.reporting.exports import case_export
from engine.reporting.heatmap import process_heatmap
from engine.reporting.indicator_queries import DIMENSIONS, DashboardQuery
from engine.reporting.indicators import (
    Dashboard,
    IndicatorMap,
    aggregates_only,
    cell_number,
    compute_dashboard,
)
from engine.reporting.periods import completed_quarters, for_quarter, quarter_of
from engine.reporting.results import compute_results
from engine.reporting.snapshots import read_dashboard, read_results
from workflows.indicators import INDICATORS

from ..auth import current_actor, engine
from .csv_export import cases_table, csv_response, dashboard_table
from .csv_results import results_table, service_label
from .guards import install_error_pages
from .labels import DIMENSION_LABELS, OUTCOME_LABELS, TARGET_GROUPS, label

bp = Blueprint("dashboard", __name__)
install_error_pages(bp)
EXPORTS = ("indicators", "outcomes", "backlog", "results", "caseload", "cases")


def indicator_map() -> IndicatorMap:
    """The milestone elements of the pathways (workflows/indicators.py, or the app's config)."""
    found = current_app.config.get("PERCORSI_INDICATORS")
    return found if isinstance(found, IndicatorMap) else INDICATORS


def _date(name: str) -> datetime | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise InvalidInput(
            f"{name} must be a date such as 2026-01-31, not {text!r}",
            [{"field": name, "message": "not a date (YYYY-MM-DD)"}],
        ) from exc


def dashboard_query(process: str | None = None) -> DashboardQuery:
    """The breakdown and filters of the query string (the end date is inclusive)."""
    until = _date("to")
    q = DashboardQuery(
        by=request.args.get("by", "target_group") or "target_group",
        process=process or request.args.get("process") or None,
        opened_from=_date("from"),
        opened_to=until + timedelta(days=1) if until else None,
    )
    q.check()
    return q


def quarter_label(code: str) -> str:
    """2026-Q1 in words."""
    year, number = code.split("-Q")
    return str(_("%(number)s° trimestre %(year)s", number=number, year=year))


def board_query(actor: Actor) -> DashboardQuery:
    """The dashboard's query; aggregate-only readers choose a completed quarter (the last one
    by default), never a date window (engine/reporting/periods.py says why)."""
    q = dashboard_query()
    quarter = request.args.get("quarter", "").strip()
    if aggregates_only(actor) and not (quarter or q.opened_from or q.opened_to or q.process):
        quarter = completed_quarters(engine().clock())[0]
    return for_quarter(q, quarter) if quarter else q


def group_label(by: str, key: str, orgs: dict[str, str]) -> str:
    """How a group of the breakdown is shown."""
    if key == "*":
        return str(_("Totale"))
    if by == "organization":
        return orgs.get(key, key) if key else label({}, key)
    return label(TARGET_GROUPS if by == "target_group" else {}, key)


@bp.get("/dashboard")
def index() -> str:
    """Indicators by the chosen breakdown, with charts and the heatmap."""
    actor = current_actor()
    q = board_query(actor)
    with engine().uow(write=False) as uow:
        board = read_dashboard(uow, actor, q, indicator_map())
        results = read_results(uow, actor, q, indicator_map())
        processes = process_names(uow)
        orgs = organization_names(uow)
    names = {g.key: group_label(q.by, g.key, orgs) for g in [*board.groups, board.total]}
    heat = q.process or (processes[0][0] if processes else "")
    return render_template(
        "dashboard/index.html",
        board=board,
        results=results,
        service_label=service_label,
        q=q,
        args=request.args,
        names=names,
        orgs=orgs,
        processes=processes,
        dimensions=[(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
        dimension_label=DIMENSION_LABELS[q.by],
        outcome_label=lambda v: label(OUTCOME_LABELS, v),
        exports=EXPORTS,
        quarters=[(code, quarter_label(code)) for code in completed_quarters(engine().clock())],
        quarter=quarter_of(q.opened_from) if q.opened_from else "",
        config=chart_config(board, names, orgs, heat),
    )


def chart_config(
    board: Dashboard, names: dict[str, str], orgs: dict[str, str], heat: str
) -> dict[str, Any]:
    """Numbers for dashboard.js: hidden values are null and are not drawn."""
    groups = board.groups
    return {
        "groups": [names[g.key] for g in groups],
        "referrals": [cell_number(g.referrals) for g in groups],
        "inTime": [cell_number(g.assessments_in_time_pct) for g in groups],
        "medians": [
            [cell_number(getattr(g, f)) for g in groups]
            for f in ("days_referral_assessment", "days_assessment_patto", "days_patto_service")
        ],
        "outcomes": {
            "labels": [label(OUTCOME_LABELS, o.value) for o in board.outcomes],
            "values": [cell_number(o.total) for o in board.outcomes],
        },
        "backlog": {
            "labels": [orgs.get(b.organization, label({}, b.organization)) for b in board.backlog],
            "open": [cell_number(b.open) for b in board.backlog],
            "overdue": [cell_number(b.overdue) for b in board.backlog],
            "escalated": [cell_number(b.escalated) for b in board.backlog],
        },
        "heatmapUrl": url_for(".heatmap"),
        "heatmapProcess": heat,
        "text": chart_texts(),
    }


def chart_texts() -> dict[str, Any]:
    return {
        "referrals": _("Segnalazioni"),
        "inTime": _("% analisi preliminari nei termini"),
        "stages": [
            _("Segnalazione → analisi preliminare"),
            _("Analisi preliminare → patto"),
            _("Patto → primo servizio"),
        ],
        "days": _("giorni (mediana)"),
        "outcomes": _("Esiti"),
        "open": _("Aperti"),
        "overdue": _("Scaduti"),
        "escalated": _("Sollecitate"),
        "cases": _("casi"),
        "hidden": _("meno di 5 casi"),
        "missing": _(
            "Attività con casi in attesa che non compaiono in questo diagramma (sottopercorsi, "
            "riesami del Comitato, versioni precedenti):"
        ),
        "unnamed": _("attività senza nome"),
        "noCases": _("Nessun caso in corso è fermo su un'attività di questo processo."),
        "failed": _("La mappa non può essere caricata: %(detail)s"),
    }


@bp.get("/dashboard/heatmap.json")
def heatmap() -> Response:
    """The latest diagram of a process and the running cases waiting at each activity."""
    actor = current_actor()
    q = dashboard_query(process=request.args.get("process") or None)
    with engine().uow(write=False) as uow:
        found = process_heatmap(uow, actor, q)
        names = task_names(uow, list(found.counts))
    return jsonify(
        {
            "process_id": found.process_id,
            "name": found.name,
            "version": found.version,
            "xml": found.bpmn_xml,
            "counts": found.counts,
            "names": names,
        }
    )


@bp.get("/dashboard/export.csv")
def export() -> Response:
    """A pseudonymised CSV: aggregates for everyone, one row per case for coordinators."""
    actor = current_actor()
    kind = request.args.get("kind", "indicators")
    if kind not in EXPORTS:
        raise InvalidInput(
            f"kind must be one of {', '.join(EXPORTS)}, not {kind!r}",
            [{"field": "kind", "message": "unknown export"}],
        )
    q = board_query(actor)
    with engine().uow(write=False) as uow:
        if kind == "cases":
            table = cases_table(case_export(uow, actor, q, indicator_map()))
        elif kind in ("results", "caseload"):
            results = compute_results(uow, actor, q, indicator_map())
            orgs = organization_names(uow)
            names = {
                g.key: group_label(q.by, g.key, orgs) for g in [*results.groups, results.total]
            }
            table = results_table(kind, results, q.by, names)
        else:
            board = compute_dashboard(uow, actor, q, indicator_map())
            orgs = organization_names(uow)
            names = {g.key: group_label(q.by, g.key, orgs) for g in [*board.groups, board.total]}
            table = dashboard_table(kind, board, names)
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return csv_response(table, f"percorsi-{kind}-{stamp}.csv")
