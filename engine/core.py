"""The composition root of the engine: settings, database, SpiffWorkflow runtime, clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine as SqlEngine

from engine.observing import Observer
from engine.settings import Settings
from engine.spiff import Runtime
from engine.store.db import connect
from engine.store.facts import Facts
from engine.store.tables import utcnow
from engine.store.uow import UnitOfWork

Clock = Callable[[], datetime]


class Engine:
    """Built once per process (web app, scheduler, CLI) from the same settings."""

    def __init__(
        self,
        settings: Settings,
        *,
        helpers: Mapping[str, Callable[..., Any]] | None = None,
        services: Mapping[str, Callable[..., Any]] | None = None,
        clock: Clock = utcnow,
        db: SqlEngine | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.settings = settings
        self.db = db or connect(settings.database_url, settings.sql_echo)
        self.runtime = Runtime(
            helpers,
            services,
            settings.script_time_limit,
            settings.script_memory_mb,
            settings.script_workers,
        )
        self.facts = Facts()
        self.clock = clock
        self.observer = observer or Observer()  # the web app and the scheduler plug theirs in
        self._wakeup_listeners: list[Callable[[datetime], None]] = []

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **kwargs: Any) -> Engine:
        return cls(settings or Settings.from_env(), **kwargs)

    def uow(self, *, write: bool = True, now: datetime | None = None) -> UnitOfWork:
        """A unit of work; commands are `write`, queries are not."""
        return UnitOfWork(self, write=write, now=now)

    def on_wakeup(self, listener: Callable[[datetime], None]) -> None:
        """Be told when a command sets a case's next wake-up (the scheduler listens)."""
        self._wakeup_listeners.append(listener)

    def notify_wakeup(self, at: datetime) -> None:
        for listener in self._wakeup_listeners:
            listener(at)

    def dispose(self) -> None:
        self.db.dispose()
