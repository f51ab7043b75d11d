"""ISO 8601 durations (P1Y2M10DT2H30M) with calendar-aware addition."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_PATTERN = re.compile(
    r"^(?P<sign>-)?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


@dataclass(frozen=True)
class Duration:
    """A parsed ISO 8601 duration; months and years follow the calendar."""

    months: int = 0
    delta: timedelta = timedelta()
    negative: bool = False
    text: str = "PT0S"

    def after(self, moment: datetime) -> datetime:
        """The moment this duration after `moment` (before it, when negative)."""
        sign = -1 if self.negative else 1
        return add_months(moment, sign * self.months) + sign * self.delta


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration or raise ValueError naming the text."""
    match = _PATTERN.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P30D or P6M")
    parts = {k: v for k, v in match.groupdict().items() if v is not None and k != "sign"}
    months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
    delta = timedelta(
        weeks=int(parts.get("weeks", 0)),
        days=int(parts.get("days", 0)),
        hours=int(parts.get("hours", 0)),
        minutes=int(parts.get("minutes", 0)),
        seconds=float(parts.get("seconds", 0)),
    )
    return Duration(months, delta, bool(match.group("sign")), text.strip().upper())


def is_duration(text: str) -> bool:
    """True when `text` parses as an ISO 8601 duration."""
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True


def add_months(moment: datetime, months: int) -> datetime:
    """Add calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    if months == 0:
        return moment
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
