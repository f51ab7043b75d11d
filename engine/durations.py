"""ISO 8601 durations (P1Y2M10DT2H30M) with calendar-aware addition."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_PATTERN = re.compile(
    r"^(?P<sign>-)?P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


MAX_YEARS = 100  # deploy refuses longer durations; nothing in the network lasts longer
MAX_MONTHS = MAX_YEARS * 12
MAX_SECONDS = MAX_YEARS * 366 * 86_400
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Duration:
    """A parsed ISO 8601 duration; months and years follow the calendar."""

    months: int = 0
    delta: timedelta = timedelta()
    negative: bool = False
    text: str = "PT0S"

    def after(self, moment: datetime) -> datetime:
        """The moment this duration after `moment` (before it, when negative), clamped to the
        calendar's ends: date arithmetic never raises, so no due date can stop the scheduler."""
        sign = -1 if self.negative else 1
        try:
            return add_months(moment, sign * self.months) + sign * self.delta
        except (OverflowError, ValueError):
            end = EARLIEST if self.negative else LATEST
            return end.replace(tzinfo=moment.tzinfo)


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration or raise ValueError naming the text."""
    match = _PATTERN.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        shown = text[:40] if isinstance(text, str) else text
        raise ValueError(f"{shown!r} is not an ISO 8601 duration such as P30D or P6M")
    parts = {k: v for k, v in match.groupdict().items() if v is not None and k != "sign"}
    if any(len(v) > 12 for v in parts.values()):
        raise ValueError(f"{text[:40]!r} is longer than {MAX_YEARS} years")
    months = int(parts.get("years", 0)) * 12 + int(parts.get("months", 0))
    seconds = (
        (int(parts.get("weeks", 0)) * 7 + int(parts.get("days", 0))) * 86_400
        + int(parts.get("hours", 0)) * 3_600
        + int(parts.get("minutes", 0)) * 60
        + float(parts.get("seconds", 0))
    )
    if months > MAX_MONTHS or seconds > MAX_SECONDS or months * 2_629_746 + seconds > MAX_SECONDS:
        raise ValueError(f"{text[:40]!r} is longer than {MAX_YEARS} years")
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
