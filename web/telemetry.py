"""The engine's observer in the web app and the scheduler: metrics plus one log line per command."""

from __future__ import annotations

from engine.observing import Observer

from .logs import log_command
from .metrics import Metrics


class Telemetry(Observer):
    """Counts what the engine reports (Prometheus) and logs each command."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics or Metrics()

    def command(self, name: str, outcome: str, seconds: float) -> None:
        self.metrics.commands.labels(name, outcome).inc()
        self.metrics.command_seconds.labels(name).observe(seconds)
        log_command(name, outcome, seconds)

    def timer_fired(self, lateness: float) -> None:
        self.metrics.timers_fired.inc()
        self.metrics.timer_lateness.observe(lateness)

    def scheduler_pass(self, seconds: float, failed: bool) -> None:
        self.metrics.passes.labels("failed" if failed else "ok").inc()
        self.metrics.pass_seconds.observe(seconds)

    def request(self, method: str, status: int, seconds: float) -> None:
        self.metrics.requests.labels(method, str(status)).inc()
        self.metrics.request_seconds.observe(seconds)


def telemetry_of(engine_observer: Observer) -> Telemetry:
    """The engine's telemetry, plugged in on first use (the default observer ignores all)."""
    if isinstance(engine_observer, Telemetry):
        return engine_observer
    return Telemetry()
