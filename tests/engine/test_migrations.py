"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from engine.store import worklist_entries
from engine.store.db import connect
from engine.store.schema import alembic_config, table_rebuilds, upgrade
from engine.store.tables import Base
from tests.support import PG_URL

SCRATCH_SCHEMA = "percorsi_migration_check"


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Connection]:
    """A connection to an empty database: a new SQLite file, or a scratch PostgreSQL schema."""
    db = connect(PG_URL or f"sqlite:///{tmp_path / 'empty.db'}")
    with db.connect() as conn:
        if PG_URL:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))
            conn.execute(text(f"SET search_path TO {SCRATCH_SCHEMA}"))
            conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()
            if PG_URL:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
                conn.commit()
    db.dispose()


def test_upgrade_head_on_an_empty_database_matches_the_models(empty_database: Connection) -> None:
    config = alembic_config(empty_database.engine)
    config.attributes["connection"] = empty_database
    with table_rebuilds(empty_database):
        command.upgrade(config, "head")
        worklist_entries.restore_triggers(empty_database)
    empty_database.commit()
    names = set(Base.metadata.tables) | {"alembic_version"}
    context = MigrationContext.configure(
        empty_database,
        opts={
            "compare_type": True,
            "include_name": lambda name, kind, _parent: kind != "table" or name in names,
        },
    )
    assert compare_metadata(context, Base.metadata) == []
    assert context.get_current_revision() is not None


def test_downgrade_to_base_and_up_again(empty_database: Connection) -> None:
    config = alembic_config(empty_database.engine)
    config.attributes["connection"] = empty_database
    with table_rebuilds(empty_database):
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        tables = empty_database.dialect.get_table_names(empty_database)
        assert set(tables) <= {"alembic_version"}
        command.upgrade(config, "head")
    assert set(Base.metadata.tables) <= set(empty_database.dialect.get_table_names(empty_database))


def test_a_url_with_percent_escapes_is_accepted() -> None:
    from sqlalchemy import create_engine

    db = create_engine("postgresql+psycopg://percorsi:p%40ss@db.invalid/percorsi?options=-c%3Dx")
    config = alembic_config(db)
    assert config.get_main_option("sqlalchemy.url") == db.url.render_as_string(hide_password=False)
    db.dispose()


def test_upgrading_sqlite_keeps_the_worklist_triggers(tmp_path: Path) -> None:
    """Later migrations rebuild tables the flat worklist's triggers are on (SQLite drops a
    table's triggers with it): the upgrade restores them, so the worklist stays maintained."""
    db = connect(PG_URL or f"sqlite:///{tmp_path / 'upgraded.db'}")
    if PG_URL:
        db.dispose()
        pytest.skip("PostgreSQL alters tables in place")
    upgrade(db, "0003")
    upgrade(db)
    with db.connect() as conn:
        found = {
            r[0]
            for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    db.dispose()
    assert set(worklist_entries.trigger_names()) <= found
