"""CSV files of the dashboard: aggregates as shown (hidden counts stay "<5"), never identities.

Written for the spreadsheet of the person downloading them: in Italian, `;` between cells, a
decimal comma, dates as 31/03/2027 and Italian headers and labels (Italian Excel opens such a
file in columns); in English, `,`, a decimal point, ISO dates and English words. Always UTF-8
with a BOM, so that accents survive. The API's JSON is not concerned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.reporting.indicators import Dashboard

from .labels import DIMENSION_LABELS, OUTCOME_LABELS, STATUS, TARGET_GROUPS, label
from .words import day, locale, org_label, pathway_label

# Spreadsheets run cells starting with these as formulas (CSV injection): quote them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Table = tuple[list[str], list[list[Any]]]

INDICATOR_COLUMNS = (
    ("referrals", _l("Segnalazioni")),
    ("closed", _l("Casi chiusi")),
    ("assessments_judged", _l("Analisi valutabili")),
    ("assessments_in_time_pct", _l("% analisi nei termini")),
    ("days_referral_assessment", _l("Giorni segnalazione → analisi (mediana)")),
    ("days_assessment_patto", _l("Giorni analisi → patto (mediana)")),
    ("days_patto_service", _l("Giorni patto → primo servizio (mediana)")),
    ("pacts_in_time_pct", _l("% patti nei termini")),
)
CASE_COLUMNS = (
    ("reference", _l("Caso")),
    ("process_id", _l("Percorso")),
    ("version", _l("Versione")),
    ("target_group", _l("Gruppo target")),
    ("comune", _l("Comune")),
    ("referring_organization", _l("Organizzazione segnalante")),
    ("status", _l("Stato")),
    ("opened_on", _l("Aperto il")),
    ("assessment_on", _l("Analisi preliminare il")),
    ("patto_on", _l("Patto il")),
    ("first_service_on", _l("Primo servizio il")),
    ("outcome", _l("Esito")),
    ("closed_on", _l("Chiuso il")),
)
DATES = {"opened_on", "assessment_on", "patto_on", "first_service_on", "closed_on"}


def cell_text(value: Any) -> str:
    """A value as a safe CSV cell, numbers written as the UI's language writes them."""
    if isinstance(value, float) and not isinstance(value, bool):
        text = f"{value:.1f}".rstrip("0").rstrip(".")
        value = text.replace(".", ",") if locale() == "it" else text
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def dashboard_table(kind: str, board: Dashboard, names: dict[str, str]) -> Table:
    """The header and rows of one aggregate table: indicators, outcomes or backlog."""
    if kind == "outcomes":
        keys = [g.key for g in board.groups]
        none = "<5" if board.aggregates_only else 0
        header = [_("Esito"), _("Totale"), *(names.get(k, k) for k in keys)]
        rows = [
            [label(OUTCOME_LABELS, o.value), o.total, *(o.by_group.get(k, none) for k in keys)]
            for o in board.outcomes
        ]
        return header, rows
    if kind == "backlog":
        header = [_("Organizzazione"), _("Attività aperte"), _("Scadute"), _("Sollecitate")]
        rows = [
            [org_label(b.organization) or label({}, ""), b.open, b.overdue, b.escalated]
            for b in board.backlog
        ]
        return header, rows
    header = [_("Suddivisione"), _("Gruppo"), *(str(h) for _k, h in INDICATOR_COLUMNS)]
    by = by_label(board.query.by)
    rows = [
        [by, names.get(g.key, g.key), *(getattr(g, k) for k, _h in INDICATOR_COLUMNS)]
        for g in [*board.groups, board.total]
    ]
    return header, rows


def by_label(by: str) -> str:
    """The breakdown's name, as a column of the tables says it."""
    return str(DIMENSION_LABELS.get(by, by))


def cases_table(rows: list[dict[str, str]]) -> Table:
    """The per-case export with words for codes (pathway, group, organisation, outcome)."""
    words: dict[str, Callable[[str], str]] = {
        "process_id": pathway_label,
        "target_group": lambda v: label(TARGET_GROUPS, v) if v else "",
        "referring_organization": org_label,
        "status": lambda v: label(STATUS, v),
        "outcome": lambda v: label(OUTCOME_LABELS, v) if v else "",
    }
    english = locale() == "en"
    for key in DATES:
        words[key] = (lambda v: v) if english else day
    header = [str(h) for _k, h in CASE_COLUMNS]
    return header, [[words.get(k, str)(row.get(k, "")) for k, _h in CASE_COLUMNS] for row in rows]


def csv_response(table: Table, filename: str) -> Response:
    """A CSV download: `;` and decimal commas in Italian, `,` in English; UTF-8 with a BOM."""
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if locale() == "it" else ",", lineterminator="\r\n")
    writer.writerow([cell_text(h) for h in header])
    writer.writerows([cell_text(v) for v in row] for row in rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
