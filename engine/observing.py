"""What the engine tells about its own work: commands, timers, scheduler passes.

The engine calls its `Observer`; the default one ignores everything. The web app and the
scheduler process plug in one that keeps Prometheus metrics and writes log lines, so the engine
knows nothing of either.
"""

from __future__ import annotations

from engine.errors import (
    Conflict,
    EngineError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    WorkflowFailed,
)

OUTCOMES = ("ok", "conflict", "invalid", "not_found", "forbidden", "failed", "error")


class Observer:
    """Told what the engine did; subclasses record it (this one ignores it)."""

    def command(self, name: str, outcome: str, seconds: float) -> None:
        """A command (one transaction) ended with `outcome` (one of OUTCOMES)."""

    def timer_fired(self, lateness: float) -> None:
        """A case's timer fired `lateness` seconds after it was due."""

    def scheduler_pass(self, seconds: float, failed: bool) -> None:
        """One pass of the scheduler's duties took `seconds`."""


def outcome_of(error: BaseException | None) -> str:
    """How a command ended, as a label: by the kind of error it raised, if any."""
    if error is None:
        return "ok"
    for kind, label in (
        (Conflict, "conflict"),
        (InvalidInput, "invalid"),
        (NotFound, "not_found"),
        (Forbidden, "forbidden"),
        (Unauthenticated, "forbidden"),
        (WorkflowFailed, "failed"),
    ):
        if isinstance(error, kind):
            return label
    return "failed" if isinstance(error, EngineError) else "error"
