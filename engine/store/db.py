"""Database connections: SQLite in WAL mode with BEGIN IMMEDIATE for commands, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from engine.store.folding import SQLITE_FUNCTION, fold

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Set on a PostgreSQL connection's info once its transaction ran anything but a query (a unit
# of work that only read ends with COMMIT: see UnitOfWork.__exit__). No statement of ours
# changes data inside a WITH.
WROTE = "percorsi_wrote"
_READS = ("SELECT ", "WITH ")


def connect(url: str, echo: bool = False) -> Engine:
    """Create the SQLAlchemy engine for `url`, with the SQLite pragmas the engine relies on."""
    if url.startswith("sqlite"):
        return _sqlite(url, echo)
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith(_READS):
            conn.info[WROTE] = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The JIT compiles the worklist's and the dashboard's short queries for longer than they
        # run (about 300 ms each at a million tasks); the app's queries are all index-sized.
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off")
        cursor.close()
        dbapi_connection.commit()

    return engine


def _sqlite(url: str, echo: bool) -> Engine:
    path = url.split("///", 1)[-1]
    memory = path in ("", ":memory:")
    if not memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        poolclass=NullPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself, so commands can take the write lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite folds ASCII only: searches fold any letter through the engine's own function.
        dbapi_connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
