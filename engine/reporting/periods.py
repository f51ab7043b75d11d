"""Fixed reporting periods for readers of aggregates only (the Cabina di Regia).

Suppressing counts below 5 in each table is not enough when a reader may choose the date
window: two exports whose windows differ by one day give, by subtraction, the exact count of
that day. So aggregate-only readers get counts for one completed calendar quarter at a time, for
all pathways together: the periods never overlap (no subtraction between them gives anything
finer), and a completed quarter no longer changes from one day to the next.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from engine.errors import InvalidInput
from engine.reporting.indicator_queries import DashboardQuery

QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_bounds(text: str) -> tuple[datetime, datetime]:
    """The first moment of a quarter such as 2026-Q1, and the first moment of the next."""
    found = QUARTER.match(text.strip().upper()) if isinstance(text, str) else None
    if found is None or not 1 <= int(found.group(1)) <= 9998:
        raise InvalidInput(
            f"a quarter is written like 2026-Q1, not {str(text)[:40]!r}",
            [{"field": "quarter", "message": "not a quarter (YYYY-Qn)"}],
        )
    year, number = int(found.group(1)), int(found.group(2))
    start = datetime(year, 3 * number - 2, 1, tzinfo=UTC)
    end = datetime(year + (number == 4), 1 if number == 4 else 3 * number + 1, 1, tzinfo=UTC)
    return start, end


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def completed_quarters(now: datetime, count: int = 8) -> list[str]:
    """The last `count` completed quarters, newest first."""
    year, number = now.year, (now.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
        found.append(f"{year}-Q{number}")
    return found


def for_quarter(q: DashboardQuery, quarter: str) -> DashboardQuery:
    """The query restricted to one quarter."""
    start, end = quarter_bounds(quarter)
    return replace(q, opened_from=start, opened_to=end)


def require_fixed_period(q: DashboardQuery, now: datetime) -> None:
    """InvalidInput unless the query covers one completed quarter, for every pathway."""
    if q.process is not None:
        raise InvalidInput(
            "aggregate figures are given for all pathways together",
            [{"field": "process", "message": "not available for aggregate-only readers"}],
        )
    start, end = q.opened_from, q.opened_to
    if start is None or end is None or quarter_bounds(quarter_of(start)) != (start, end):
        raise InvalidInput(
            "aggregate figures are given per calendar quarter only (e.g. 2026-Q1), "
            "never for a chosen date window",
            [{"field": "quarter", "message": "choose a completed quarter"}],
        )
    if end > now:
        raise InvalidInput(
            f"{quarter_of(start)} is not over yet: its figures are given once it has ended",
            [{"field": "quarter", "message": "choose a completed quarter"}],
        )
