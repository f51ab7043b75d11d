"""The scheduler: sleeps until the earliest due moment, is woken by commands, sweeps each minute.

One thread runs the passes, one after another. It sleeps until the earliest due moment (a timer,
a ladder step, a notification), and is woken earlier when a command commits an earlier one: in
this process through `Engine.notify_wakeup`, in any process on PostgreSQL through LISTEN/NOTIFY
(`engine.store.wakeups`). Wake-ups that arrive during a pass are merged into one: the next pass
starts as soon as this one ends, however many came. APScheduler runs small jobs beside it:
- `sweep`, every minute, a safety net for anything a wake-up missed;
- `optimize`, hourly, refreshing SQLite's planner statistics (`PRAGMA optimize`);
- `snapshots`, every 5 minutes, recomputing the dashboards read lately (reporting/snapshots);
- `lease`, the heartbeat of the lease, where one is used (one scheduler per SQLite database;
  one embedded scheduler per web server).
Across processes, due work is claimed row by row.

An embedded scheduler (`standby=True`, in the web workers) that finds the lease held waits on
standby and takes the lease over when its holder stops renewing it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from engine.core import Engine
from engine.errors import SchedulerBusy
from engine.reporting.snapshots import refresh_snapshots
from engine.scheduling.duties import TickReport, next_due_at, tick
from engine.scheduling.lease import (
    HEARTBEAT_SECONDS,
    NAME,
    WEB_NAME,
    acquire_lease,
    release_lease,
    renew_lease,
    this_process,
)
from engine.store.maintenance import OPTIMIZE_EVERY_SECONDS, optimize
from engine.store.wakeups import WakeupListener

log = logging.getLogger(__name__)
SWEEP_SECONDS = 60
SNAPSHOT_SECONDS = 5 * 60
RETRY_MIN = timedelta(milliseconds=50)
RETRY_MAX = timedelta(seconds=5)


class Scheduler:
    """APScheduler in a background thread, woken early when a command sets a nearer due time."""

    def __init__(
        self, engine: Engine, *, sweep_seconds: float = SWEEP_SECONDS, standby: bool = False
    ) -> None:
        self.engine = engine
        self.sweep_seconds = sweep_seconds
        self.holder = this_process()
        self.last_run_at: datetime | None = None
        self.last_report: TickReport | None = None
        self.standby = standby
        self.leading = False  # holds the lease (or needs none) and so runs the passes
        self._aps = BackgroundScheduler(timezone="UTC")
        self._pass_lock = threading.Lock()
        self._wake = threading.Condition()
        self._due_at: datetime | None = None
        self._stopping = False
        self._passes = threading.Thread(target=self._loop, name="percorsi-scheduler", daemon=True)
        self._retry = RETRY_MIN
        sqlite = engine.settings.is_sqlite
        self._lease = NAME if sqlite else (WEB_NAME if standby else None)
        self._listener = (
            None if sqlite else WakeupListener(engine.db.url, self.wake_at)
        )  # PostgreSQL: wake-ups from every process

    def start(self) -> None:
        """Take the lease (raises SchedulerBusy unless on standby), then run a pass at once."""
        self.leading = self._lease is None or self._take_lease(raise_busy=not self.standby)
        if self._lease is not None:
            self._aps.add_job(self._heartbeat, "interval", seconds=HEARTBEAT_SECONDS, id="lease")
        self._aps.add_job(
            lambda: self.wake_at(self.engine.clock()),
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
        self._passes.start()
        if self._listener is not None:
            self._listener.start()
        self.wake_at(self.engine.clock())  # whatever fell due while we were down fires now

    def _take_lease(self, *, raise_busy: bool) -> bool:
        assert self._lease is not None
        try:
            with self.engine.uow() as uow:
                acquire_lease(uow, self.holder, self._lease)
        except SchedulerBusy:
            if raise_busy:
                raise
            return False
        return True

    def wake_at(self, at: datetime) -> None:
        """Run a pass at `at` unless one is already planned earlier (called after commits)."""
        with self._wake:
            if self._due_at is None or at < self._due_at:
                self._due_at = at
                self._wake.notify()

    def _loop(self) -> None:
        """Run a pass whenever one is due, until stopped."""
        while True:
            with self._wake:
                while not self._stopping and not self._due():
                    self._wake.wait(timeout=self._sleep_seconds())
                if self._stopping:
                    return
                self._due_at = None  # wake-ups from now on plan the next pass
            if self.leading:
                self.run_once()
                self._plan_next()

    def _due(self) -> bool:
        return self._due_at is not None and self._due_at <= self.engine.clock()

    def _sleep_seconds(self) -> float:
        if self._due_at is None:
            return self.sweep_seconds
        ahead = (self._due_at - self.engine.clock()).total_seconds()
        return min(max(ahead, 0.0), self.sweep_seconds)

    def run_once(self) -> TickReport | None:
        """One pass as of now. Errors are logged; the next pass tries again."""
        with self._pass_lock:
            began = time.perf_counter()
            try:
                report = tick(self.engine)
            except Exception:  # the scheduler's job wrapper: log and go on (STYLE.md)
                log.exception("scheduler pass failed")
                self.engine.observer.scheduler_pass(time.perf_counter() - began, True)
                return None
            self.engine.observer.scheduler_pass(time.perf_counter() - began, False)
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
            with self.engine.uow(write=False) as uow:  # writes each snapshot on its own
                refresh_snapshots(uow)
        except Exception:  # the next run tries again; readers compute their own meanwhile
            log.exception("refreshing the dashboard snapshots failed")

    def _heartbeat(self) -> None:
        """Renew the lease we hold, or (on standby) try to take it over."""
        assert self._lease is not None
        if not self.leading:
            if self._take_lease(raise_busy=False):
                log.info("scheduler lease taken over by %s", self.holder)
                self.leading = True
                self.wake_at(self.engine.clock())
            return
        try:
            with self.engine.uow() as uow:
                kept = renew_lease(uow, self.holder, self._lease)
        except Exception:
            log.exception("scheduler lease heartbeat failed")
            return
        if kept:
            return
        self.leading = False
        if self.standby:
            log.warning("scheduler lease lost to another process; this one waits on standby")
        else:
            log.error("scheduler lease lost to another process; stopping this scheduler")
            self._halt()
            self._aps.shutdown(wait=False)

    @property
    def alive(self) -> bool:
        return bool(self._aps.running) and self._passes.is_alive()

    def _halt(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()

    def stop(self) -> None:
        """Stop, waiting for a running pass, and give the lease back."""
        if self._listener is not None:
            self._listener.stop()
        self._halt()
        if self._passes.is_alive():
            self._passes.join()
        if self._aps.running:
            self._aps.shutdown(wait=True)
        if self._lease is not None and self.leading:
            with self.engine.uow() as uow:
                release_lease(uow, self.holder, self._lease)
            self.leading = False
