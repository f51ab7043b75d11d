"""Deadline arithmetic the diagrams call from dueIn and timer expressions (whitelisted helpers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from engine.durations import parse_duration

from .network import SERVICES_BY_CODE, TRAINEESHIPS

# Maximum lengths of a service [law for traineeships; DOMAIN.md for agreements; else proposal].
TRAINEESHIP_MAX = {"normal": "P6M", "disadvantaged": "P12M", "disability": "P24M"}
AGREEMENT_MAX = "P5Y"  # type-B cooperative agreements and L. 68 agreements: 1-5 years
OTHER_SERVICE_MAX = "P12M"


def as_date(value: Any) -> date:
    """A date from an ISO date string (as forms store it) or a date; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"{value!r} is not a date")


def due_after(start: Any, duration: str) -> date:
    """The day `duration` after the date `start` (a deadline runs to the end of that day)."""
    moment = datetime.combine(as_date(start), time(0, 0), UTC)
    return parse_duration(duration).after(moment).date()


def latest_end(services: Any, fallback: str) -> date | str:
    """The latest planned end date among the chosen services, or the fallback duration."""
    ends = [as_date(s["end_date"]) for s in services or [] if s.get("end_date")]
    return max(ends) if ends else fallback


def max_service_length(service_type: str, target_group: str, disadvantaged: bool) -> str:
    """The longest a service may last, as an ISO duration (traineeships: 6/12/24 months)."""
    if service_type in TRAINEESHIPS:
        if target_group == "disabilita":
            return TRAINEESHIP_MAX["disability"]
        return TRAINEESHIP_MAX["disadvantaged" if disadvantaged else "normal"]
    if service_type in ("inserimento_coop_b", "convenzione_l68"):
        return AGREEMENT_MAX
    if service_type not in SERVICES_BY_CODE:
        raise ValueError(f"unknown service type {service_type!r}")
    return OTHER_SERVICE_MAX
