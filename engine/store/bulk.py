"""Working on many rows at once: the scheduler fires timers a group of 100 cases at a time.

- `insert_rows`: COPY on PostgreSQL, executemany elsewhere. psycopg's executemany sends one
  statement per row (pipelined): some 20 us of this process's time and as much of the server's
  for each. COPY streams the rows as one statement, a few microseconds each.
- `among`: `IN` a list of ids, as one array parameter on PostgreSQL (`= ANY`): SQLAlchemy binds
  an `IN` list one parameter per id, some 0.6 ms of Python for 100 ids on each query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Insert, Integer, Table, any_, bindparam, insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from engine.store.db import WROTE

COPY_FROM = 8  # fewer rows than this go as executemany (a COPY costs a round trip to set up)


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts of the same columns) into `table`, in the connection's transaction."""
    names = list(rows[0])
    if not _copyable(connection, table, names, len(rows)):
        connection.execute(_insert(table), rows)
        return
    bind = [(name, _processor(connection, table, name)) for name in names]
    quote = connection.dialect.identifier_preparer
    columns = ", ".join(quote.quote(table.columns[name].name) for name in names)
    statement = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    connection.info[WROTE] = True  # the COPY goes past SQLAlchemy's events
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[n] if p is None else p(row[n]) for n, p in bind])


_INSERTS: dict[Table, Insert] = {}


def _insert(table: Table) -> Insert:
    """INSERT into `table` that reads nothing back, not even the id of a single row (the rows
    are appended, never referred to; a commit may send them in a pipeline, which returns none)."""
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = insert(table).inline()
    return statement


def _copyable(connection: Connection, table: Table, names: list[str], count: int) -> bool:
    """COPY on PostgreSQL for enough rows, unless a column left out has a default computed here
    (INSERT would fill it in; COPY only applies the server's)."""
    if connection.dialect.name != "postgresql" or count < COPY_FROM:
        return False
    return all(c.default is None for c in table.columns if c.key not in names)


def _processor(connection: Connection, table: Table, name: str) -> Callable[[Any], Any] | None:
    """How SQLAlchemy would bind a value of this column (e.g. JSON, UTC datetimes)."""
    dialect = connection.dialect
    kind = table.columns[name].type
    processor: Callable[[Any], Any] | None = kind.dialect_impl(dialect).bind_processor(dialect)
    return processor


def among(column: ColumnElement[int], ids: list[int], dialect: str) -> ColumnElement[bool]:
    """`column IN ids` for the dialect: one array parameter on PostgreSQL, a list elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)
