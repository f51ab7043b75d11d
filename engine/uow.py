"""The unit of work: one transaction, rolled back unless the use case commits it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .settings import Settings
from .spiff import Runtime, frozen_now

if TYPE_CHECKING:
    from .core import Engine


class UnitOfWork:
    """A session on one connection; commands take SQLite's write lock when they begin."""

    def __init__(self, engine: Engine, *, write: bool = True, now: datetime | None = None) -> None:
        self.engine = engine
        self.write = write
        self.now = now or engine.clock()
        self._after_commit: list[Callable[[], None]] = []
        self._stack = ExitStack()
        self.chain_heads: dict[int, tuple[int, str]] = {}  # case id -> last (seq, hash) written
        self.session: Session

    @property
    def runtime(self) -> Runtime:
        return self.engine.runtime

    @property
    def settings(self) -> Settings:
        return self.engine.settings

    def __enter__(self) -> UnitOfWork:
        conn = self._stack.enter_context(self.engine.db.connect())
        if self.write and self.engine.settings.is_sqlite:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        self.session = self._stack.enter_context(Session(bind=conn, expire_on_commit=False))
        self._stack.enter_context(frozen_now(self.now))
        return self

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed (e.g. wake the scheduler)."""
        self._after_commit.append(action)

    def commit(self) -> None:
        self.session.commit()
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def rollback(self) -> None:
        self.session.rollback()
        self._after_commit.clear()
        self.chain_heads.clear()  # the events they point at were rolled back too

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.session.in_transaction():
                self.rollback()
        finally:
            self._stack.close()
