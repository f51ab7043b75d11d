"""Service-task handlers: computing the follow-up dates after a person leaves the pathway."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from engine.durations import parse_duration

from .deadlines import as_date

# EU ESF+ result indicators: is the person employed 28 days and 6 months after exit? [law]
FOLLOWUPS = {"day28": "P28D", "month6": "P6M"}


def followup_dates(context: dict[str, Any]) -> dict[str, str]:
    """Naive (UTC) ISO moments of the follow-ups, counted from the recorded `exit_date`."""
    if "exit_date" not in context:
        raise ValueError("the case has no exit_date: record the outcome first")
    exit_at = datetime.combine(as_date(context["exit_date"]), time(0, 0), UTC)
    return {
        key: parse_duration(duration).after(exit_at).replace(tzinfo=None).isoformat()
        for key, duration in FOLLOWUPS.items()
    }
