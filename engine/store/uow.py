"""The unit of work: one transaction, rolled back unless the use case commits it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import (
    ColumnElement,
    Executable,
    Insert,
    Table,
    Update,
    bindparam,
    event,
    insert,
    inspect,
    update,
)
from sqlalchemy.engine import Connection, Result
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from engine.observing import Observer
from engine.settings import Settings
from engine.spiff import Runtime, frozen_now
from engine.store import wakeups
from engine.store.bulk import COPY_FROM, among, insert_rows
from engine.store.db import WROTE
from engine.store.facts import Facts
from engine.store.folding import contains_folded, folded
from engine.store.tables import Base

Row = TypeVar("Row", bound=Base)
# Statements built once: building and keying a statement costs more than running it.
_INSERTS: dict[type, Insert] = {}
_UPDATES: dict[type, Update] = {}


class Host(Protocol):
    """What a unit of work needs from the engine that opens it (the composition root)."""

    settings: Settings
    db: SqlEngine
    runtime: Runtime
    facts: Facts
    observer: Observer

    clock: Callable[[], datetime]

    def notify_wakeup(self, at: datetime) -> None: ...


class UnitOfWork:
    """A session on one connection; commands take SQLite's write lock when they begin."""

    def __init__(self, engine: Host, *, write: bool = True, now: datetime | None = None) -> None:
        self.engine = engine
        self.write = write
        self.now = now or engine.clock()
        self._after_commit: list[Callable[[], None]] = []
        self._stack = ExitStack()
        self._trial = False
        self.chain_heads: dict[int, tuple[int, str]] = {}  # case id -> last (seq, hash) written
        self.moved_heads: set[int] = set()  # cases whose chain head is not anchored yet
        self._flush_hooks: dict[str, Callable[[UnitOfWork], None]] = {}
        self._wakeup: datetime | None = None  # the earliest wake-up this transaction sets
        self.command: str | None = None  # the command running in this unit of work, if any
        # Append-only rows (audit events, outbox, task candidates) written in one INSERT per
        # table at commit: nothing in a command reads them back, and one statement is cheaper.
        self._appended: dict[Table, list[dict[str, Any]]] = {}
        # Rows read ahead for a group of cases (the scheduler's), by (what, case id); each is
        # taken once, by the first command step that needs it, then read afresh.
        self.prefetched: dict[tuple[str, int], Any] = {}
        self._kept: dict[tuple[type, int], Any] = {}  # rows `get` has read, held till the end
        # Column changes of loaded rows not written yet, by (entity, id): `update` leaves them
        # here, and the next statement of this unit of work writes them first (see _write_updates).
        self._updates: dict[tuple[type, int], dict[str, Any]] = {}
        self.session: Session

    @property
    def runtime(self) -> Runtime:
        return self.engine.runtime

    @property
    def settings(self) -> Settings:
        return self.engine.settings

    @property
    def facts(self) -> Facts:
        return self.engine.facts

    def __enter__(self) -> UnitOfWork:
        conn = self._stack.enter_context(self.engine.db.connect())
        if self.write and self.engine.settings.is_sqlite:
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        conn.info[_UNIT] = self  # for _write_gathered_updates, till the connection goes back
        conn.info.pop(WROTE, None)
        self._connection = conn
        self._stack.callback(conn.info.pop, _UNIT, None)
        self.session = self._stack.enter_context(Session(bind=conn, expire_on_commit=False))
        self._stack.enter_context(frozen_now(self.now))
        self.runtime.begin_command()
        return self

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed (e.g. wake the scheduler)."""
        self._after_commit.append(action)

    def wake_at(self, at: datetime) -> None:
        """Once committed, tell the scheduler that a case now wakes up at `at` (schedulers in
        other processes too, on PostgreSQL)."""
        if self._wakeup is None or at < self._wakeup:
            self._wakeup = at
        self.after_commit(lambda: self.engine.notify_wakeup(at))

    def get(self, entity: type[Row], row_id: int | None) -> Row | None:
        """The row with this id (None for None or none), held for the rest of the unit of work.

        The session's identity map keeps a row only while something references it: a command
        that asks again for an organisation's kind or a person's name would query again."""
        if row_id is None:
            return None
        row = self.session.get(entity, row_id)
        if row is not None:
            self._kept[(entity, row_id)] = row
        return row

    def rows(
        self, statement: Executable, params: dict[str, Any] | None = None
    ) -> Result[*tuple[Any, ...]]:
        """Run a statement of plain columns on the connection, past the ORM's execute path
        (which costs as much as the statement itself); pending ORM changes are flushed first,
        as the session would. For statements built once, on the hot path (e.g. a token)."""
        self.session.flush()
        return self.session.connection().execute(statement, params)

    def among(self, column: Any, ids: list[int]) -> ColumnElement[bool]:
        """`column IN ids`, bound as cheaply as the database allows (a group's case ids)."""
        return among(column, ids, self.engine.db.dialect.name)

    def folded(self, column: Any) -> ColumnElement[str]:
        """`column` with neither case nor accents, to compare with `fold`ed text."""
        return folded(column, self.engine.db.dialect.name)

    def contains_folded(self, search: str, *columns: Any) -> ColumnElement[bool] | None:
        """Whether one of `columns` contains `search`, whatever its case and accents (people
        searched by name as they type); None when nothing is typed."""
        return contains_folded(search, columns, self.engine.db.dialect.name)

    def append(self, table: Table, row: dict[str, Any]) -> None:
        """Insert `row` into an append-only table with the transaction's other writes."""
        self._appended.setdefault(table, []).append(row)

    def insert_now(self, entity: type[Row], **values: Any) -> Row:
        """Insert a row at once and give the session its object as loaded (no flush, no reload).

        Commands create a few rows each and need their ids at once; the flush's bookkeeping
        costs more than the statement. Give every column but `id`: the object holds exactly
        those values (a column left out would be read back from the database when used)."""
        statement = _INSERTS.get(entity)
        if statement is None:
            statement = _INSERTS[entity] = insert(entity).returning(inspect(entity).mapper.c.id)
        row_id = self.session.connection().execute(statement, values).scalar_one()
        row = entity(id=row_id, **values)
        make_transient_to_detached(row)
        self.session.add(row)
        return row

    def update(self, row: Any, **values: Any) -> None:
        """Change columns of a loaded row, leaving the object clean; the UPDATE goes out just
        before the unit of work's next statement, whatever it is, so every read sees it.

        Until then the changes of many rows gather: a group of cases settled one after another
        is written with one executemany (one round trip on PostgreSQL), not one UPDATE each."""
        pending = self._updates.setdefault((type(row), row.id), {})
        pending.update(values)
        for key, value in values.items():
            set_committed_value(row, key, value)

    def _write_updates(self, connection: Connection) -> None:
        """Write the gathered `update`s, one executemany per entity and set of columns."""
        if not self._updates:
            return
        pending, self._updates = self._updates, {}
        batches: dict[tuple[type, tuple[str, ...]], list[dict[str, Any]]] = {}
        for (entity, row_id), values in pending.items():
            batches.setdefault((entity, tuple(values)), []).append({**values, "row_id": row_id})
        for (entity, _columns), rows in batches.items():
            connection.execute(_update_by_id(entity), rows)

    def at_flush(self, key: str, hook: Callable[[UnitOfWork], None]) -> None:
        """Run `hook` after the appended rows each time they are written (once per key)."""
        self._flush_hooks.setdefault(key, hook)

    def flush(self) -> None:
        """Write pending changes: the session's, then the appended rows (they may refer to them),
        then what the flush hooks write about them (e.g. the audit chain's anchored head)."""
        self.session.flush()
        self._write_updates(self.session.connection())
        appended, self._appended = self._appended, {}
        if appended:
            connection = self.session.connection()
            for table, rows in appended.items():
                insert_rows(connection, table, rows)
        for hook in list(self._flush_hooks.values()):
            hook(self)

    @contextmanager
    def trial(self) -> Iterator[None]:
        """Run commands whose commits only write within the transaction, then roll it all back:
        nothing is kept and nothing that waits for a commit (mail, wake-ups) happens."""
        self._trial = True
        try:
            yield
        finally:
            self._trial = False
            self.rollback()

    def commit(self) -> None:
        if self._trial:
            self.flush()
            self._after_commit.clear()
            self._wakeup = None
            return
        if self._pipelines():
            self._commit_pipelined()
        else:
            self.flush()
        self._wakeup = None
        self.session.commit()  # on PostgreSQL the pipeline has committed already: a no-op
        self._connection.info.pop(WROTE, None)
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def _pipelines(self) -> bool:
        """Whether this commit's writes go as one pipeline: on PostgreSQL, unless a table's
        rows are many enough for COPY (which a pipeline cannot carry)."""
        if self.settings.is_sqlite:
            return False
        return all(len(rows) < COPY_FROM for rows in self._appended.values())

    def _commit_pipelined(self) -> None:
        """Write what is pending, announce the wake-up and COMMIT in one round trip: nothing of
        it is read back, so psycopg's pipeline sends it all and waits once, not per statement.
        The COMMIT is durable as before (synchronous_commit stays on)."""
        self.session.flush()  # the ORM's own INSERTs read their ids back: before the pipeline
        connection = self.session.connection()
        driver = connection.connection.driver_connection
        idle = driver.pgconn.transaction_status == TransactionStatus.IDLE  # type: ignore[union-attr]
        if idle and not (self._appended or self._updates or self._wakeup):
            return  # nothing was sent nor is to be: there is no transaction to commit
        try:
            with driver.pipeline():  # type: ignore[union-attr]
                self.flush()
                if self._wakeup is not None:
                    wakeups.publish(connection, self._wakeup)  # delivered only on commit
                connection.exec_driver_sql("COMMIT")
        except psycopg.Error as exc:  # raised at the pipeline's end, past SQLAlchemy's wrapping
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc

    def rollback(self) -> None:
        self.session.rollback()
        self._connection.info.pop(WROTE, None)
        self._after_commit.clear()
        self._appended.clear()
        self.prefetched.clear()
        self._kept.clear()
        self._updates.clear()
        self.chain_heads.clear()  # the events they point at were rolled back too
        self.moved_heads.clear()
        self._wakeup = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """What was not committed is rolled back. A PostgreSQL transaction that only read ends
        with COMMIT instead, to the same effect: psycopg forgets every statement it prepared at
        a rollback, so a page that ended with one would parse all its SQL again each time."""
        try:
            if self.session.in_transaction():
                if exc_type is None and self._only_read():
                    self.session.commit()
                else:
                    self.rollback()
        finally:
            self._stack.close()

    def _only_read(self) -> bool:
        """Whether this PostgreSQL transaction ran queries only, with nothing pending."""
        if self.settings.is_sqlite or self._trial or self._appended or self._updates:
            return False
        session = self.session
        if session.new or session.dirty or session.deleted:
            return False
        return not self._connection.info.get(WROTE, False)


_UNIT = "percorsi_unit_of_work"


@event.listens_for(SqlEngine, "before_execute")
def _write_gathered_updates(connection: Connection, *_: Any) -> None:
    """Before any statement on a unit of work's connection, write the updates it gathered."""
    unit = connection.info.get(_UNIT)
    if unit is not None:
        unit._write_updates(connection)


def _update_by_id(entity: type) -> Update:
    """UPDATE entity SET (the columns given) WHERE id = :row_id, built once per entity."""
    statement = _UPDATES.get(entity)
    if statement is None:
        by_id: ColumnElement[bool] = inspect(entity).mapper.c.id == bindparam("row_id")
        statement = _UPDATES[entity] = update(entity).where(by_id)
    return statement
