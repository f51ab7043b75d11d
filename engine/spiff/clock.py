"""The engine's notion of 'now' inside SpiffWorkflow's timers, and UTC for naive timer dates.

SpiffWorkflow's timer events call `datetime.now(timezone.utc)` and read a naive `timeDate` in
the server's local zone. Percorsi needs a controllable clock (tests, `percorsi tick --now`) and
UTC everywhere, so the timer module's `datetime` and `LOCALTZ` are replaced here, once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer

_NOW: ContextVar[datetime | None] = ContextVar("percorsi_now", default=None)


class _EngineDatetime(datetime):
    """`datetime` whose now() follows the engine clock while a command runs."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _EngineDatetime:
        current = _NOW.get()
        if current is None:
            return super().now(tz)
        moment = current.astimezone(tz) if tz is not None else current.astimezone(UTC)
        return cls.fromtimestamp(moment.timestamp(), tz or UTC)


_timer.datetime = _EngineDatetime
_timer.LOCALTZ = UTC


@contextmanager
def frozen_now(now: datetime) -> Iterator[None]:
    """Make SpiffWorkflow's timers see `now` for the duration of a command."""
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)
