"""The network's results as CSV rows (aggregates as shown, "<5" kept), and service names."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale

from engine.reporting.results import Results
from workflows.network import SERVICES_BY_CODE

from .csv_export import NOT_STATED


def service_label(code: str) -> str:
    """A service type in the reader's language."""
    found = SERVICES_BY_CODE.get(code)
    if found is None:
        return code.replace("_", " ")
    return found.en if str(get_locale() or "it") == "en" else found.it


def results_rows(kind: str, results: Results, by: str) -> list[dict[str, Any]]:
    """One row per group (results) or per person or organisation (caseload)."""
    if kind == "caseload":
        return [
            {
                "organization": c.organization or NOT_STATED,
                "operator": c.username,
                "people": c.people,
                "open_cases": c.open_cases,
            }
            for c in results.caseload
        ]
    return [
        {"breakdown": by, "key": g.key or NOT_STATED}
        | g.counts
        | {f"services:{kind}": g.services[kind] for kind in results.service_types}
        | {
            "employed_28d_pct": g.employed_28d_pct,
            "employed_6m_pct": g.employed_6m_pct,
            "dropout_pct": g.dropout_pct,
        }
        for g in [*results.groups, results.total]
    ]
