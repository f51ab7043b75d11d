"""The scheduler: fires due timers at their time, plus a safety sweep every minute."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from .core import Engine
from .timers import fire_due_timers

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60


class Scheduler:
    """APScheduler in a background thread, woken early when a command sets a nearer timer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._aps = BackgroundScheduler(timezone="UTC")
        self._lock = threading.Lock()
        self.last_run_at: datetime | None = None

    def start(self) -> None:
        self._aps.add_job(
            self.run_once,
            "interval",
            seconds=SWEEP_SECONDS,
            id="sweep",
            next_run_time=self.engine.clock(),
            max_instances=1,
            coalesce=True,
        )
        self.engine.on_wakeup(self.wake_at)
        self._aps.start()

    def wake_at(self, at: datetime) -> None:
        """Run a pass at `at` (called after a command commits a new wake-up)."""
        if self._aps.running:
            self._aps.add_job(self.run_once, "date", run_date=at, misfire_grace_time=None)

    def run_once(self) -> int:
        """One pass: fire what is due now. Errors are logged; the next pass tries again."""
        with self._lock:
            try:
                fired = fire_due_timers(self.engine)
            except Exception:  # the scheduler's job wrapper: log and go on (STYLE.md)
                log.exception("scheduler pass failed")
                return 0
            self.last_run_at = self.engine.clock()
            return fired

    @property
    def alive(self) -> bool:
        return bool(self._aps.running)

    def stop(self) -> None:
        if self._aps.running:
            self._aps.shutdown(wait=False)
