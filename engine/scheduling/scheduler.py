"""The scheduler: sleeps until the earliest due moment, is woken by commands, sweeps each minute.

APScheduler runs in a background thread with three jobs:
- `due`, a one-off job at the earliest due moment (timer, ladder step or notification), moved
  earlier whenever a command in this process commits an earlier one (`Engine.notify_wakeup`);
- `sweep`, every minute, catching what other processes scheduled;
- `lease`, the heartbeat of the SQLite lease (one scheduler per SQLite database);
- `optimize`, hourly, refreshing SQLite's planner statistics (`PRAGMA optimize`);
- `snapshots`, every 5 minutes, recomputing the dashboards read lately (reporting/snapshots).
Passes never overlap in one process; across processes, due work is claimed row by row.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from engine.core import Engine
from engine.reporting.snapshots import refresh_snapshots
from engine.scheduling.duties import TickReport, next_due_at, tick
from engine.scheduling.lease import (
    HEARTBEAT_SECONDS,
    acquire_lease,
    release_lease,
    renew_lease,
    this_process,
)
from engine.store.maintenance import OPTIMIZE_EVERY_SECONDS, optimize

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60
SNAPSHOT_SECONDS = 5 * 60
RETRY_MIN = timedelta(milliseconds=50)
RETRY_MAX = timedelta(seconds=5)


class Scheduler:
    """APScheduler in a background thread, woken early when a command sets a nearer due time."""

    def __init__(self, engine: Engine, *, sweep_seconds: float = SWEEP_SECONDS) -> None:
        self.engine = engine
        self.sweep_seconds = sweep_seconds
        self.holder = this_process()
        self.last_run_at: datetime | None = None
        self.last_report: TickReport | None = None
        self._aps = BackgroundScheduler(timezone="UTC")
        self._pass_lock = threading.Lock()
        self._due_lock = threading.Lock()
        self._due_at: datetime | None = None
        self._retry = RETRY_MIN
        self._uses_lease = engine.settings.is_sqlite

    def start(self) -> None:
        """Take the lease (SQLite; raises SchedulerBusy), then run a first pass at once."""
        if self._uses_lease:
            with self.engine.uow() as uow:
                acquire_lease(uow, self.holder)
            self._aps.add_job(self._heartbeat, "interval", seconds=HEARTBEAT_SECONDS, id="lease")
        self._aps.add_job(
            self._run,
            "interval",
            seconds=self.sweep_seconds,
            id="sweep",
            max_instances=1,
            coalesce=True,
        )
        self._aps.add_job(self._optimize, "interval", seconds=OPTIMIZE_EVERY_SECONDS, id="optimize")
        self._aps.add_job(
            self._refresh_snapshots, "interval", seconds=SNAPSHOT_SECONDS, id="snapshots"
        )
        self.engine.on_wakeup(self.wake_at)
        self._aps.start()
        self.wake_at(self.engine.clock())  # whatever fell due while we were down fires now

    def wake_at(self, at: datetime) -> None:
        """Run a pass at `at` unless one is already planned earlier (called after commits)."""
        with self._due_lock:
            if not self._aps.running or (self._due_at is not None and self._due_at <= at):
                return
            self._due_at = at
            self._aps.add_job(
                self._run,
                "date",
                run_date=at,
                id="due",
                replace_existing=True,
                misfire_grace_time=None,
                max_instances=3,  # a later wake-up waits on the pass lock instead of being dropped
            )

    def _run(self) -> None:
        with self._due_lock:
            self._due_at = None
        self.run_once()
        self._plan_next()

    def run_once(self) -> TickReport | None:
        """One pass as of now. Errors are logged; the next pass tries again."""
        with self._pass_lock:
            try:
                report = tick(self.engine)
            except Exception:  # the scheduler's job wrapper: log and go on (STYLE.md)
                log.exception("scheduler pass failed")
                return None
            self.last_run_at, self.last_report = report.now, report
            return report

    def _plan_next(self) -> None:
        """Sleep until the earliest due moment; if work is still due (held elsewhere), back off."""
        try:
            upcoming = next_due_at(self.engine)
        except Exception:  # database unreachable: the sweep tries again
            log.exception("scheduler could not read the next due moment")
            return
        if upcoming is None:
            return
        now = self.engine.clock()
        if upcoming <= now:
            upcoming, self._retry = now + self._retry, min(self._retry * 2, RETRY_MAX)
        else:
            self._retry = RETRY_MIN
        self.wake_at(upcoming)

    def _optimize(self) -> None:
        """Keep the planner's statistics fresh as the tables grow (SQLite)."""
        try:
            optimize(self.engine.db)
        except Exception:  # the next run tries again
            log.exception("refreshing the planner's statistics failed")

    def _refresh_snapshots(self) -> None:
        """Recompute the dashboards read lately before they go stale."""
        try:
            with self.engine.uow() as uow:
                refresh_snapshots(uow)
        except Exception:  # the next run tries again; readers compute their own meanwhile
            log.exception("refreshing the dashboard snapshots failed")

    def _heartbeat(self) -> None:
        try:
            with self.engine.uow() as uow:
                kept = renew_lease(uow, self.holder)
        except Exception:
            log.exception("scheduler lease heartbeat failed")
            return
        if not kept:
            log.error("scheduler lease lost to another process; stopping this scheduler")
            self._aps.shutdown(wait=False)

    @property
    def alive(self) -> bool:
        return bool(self._aps.running)

    def stop(self) -> None:
        """Stop, waiting for a running pass, and give the lease back."""
        if self._aps.running:
            self._aps.shutdown(wait=True)
        if self._uses_lease:
            with self.engine.uow() as uow:
                release_lease(uow, self.holder)
