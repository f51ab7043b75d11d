"""CSV files of the dashboard: aggregates as shown (hidden counts stay "<5"), never identities."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from flask import Response

from engine.reporting.indicators import Dashboard

# Spreadsheets run cells starting with these as formulas (CSV injection): quote them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NOT_STATED = "not_stated"


def cell_text(value: Any) -> str:
    """A value as a safe CSV cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def dashboard_rows(kind: str, board: Dashboard) -> list[dict[str, Any]]:
    """The rows of one aggregate table: indicators, outcomes or backlog."""
    if kind == "outcomes":
        keys = [g.key for g in board.groups]
        none = "<5" if board.aggregates_only else 0
        return [
            {"outcome": o.value, "total": o.total}
            | {f"{board.query.by}:{k or NOT_STATED}": o.by_group.get(k, none) for k in keys}
            for o in board.outcomes
        ]
    if kind == "backlog":
        return [asdict(b) | {"organization": b.organization or NOT_STATED} for b in board.backlog]
    return [
        {"breakdown": board.query.by} | asdict(g) | {"key": g.key or NOT_STATED}
        for g in [*board.groups, board.total]
    ]


def csv_response(rows: list[dict[str, Any]], filename: str) -> Response:
    """A CSV download (UTF-8 with BOM, so that spreadsheets read accents right)."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: cell_text(v) for k, v in row.items()} for row in rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
