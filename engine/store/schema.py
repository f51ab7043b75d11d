"""Creating and upgrading the database with Alembic migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine

from engine.store import worklist_entries
from engine.store.maintenance import analyze

HERE = Path(__file__).parent


def alembic_config(db: SqlEngine) -> Config:
    config = Config(str(HERE / "alembic.ini"))
    config.set_main_option("script_location", str(HERE / "migrations"))
    url = db.url.render_as_string(hide_password=False)
    # ConfigParser interpolates '%': URL-encoded passwords and options (%40, %3D) must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: SqlEngine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest), then refresh the statistics."""
    migrate(db, lambda config: command.upgrade(config, revision))
    analyze(db)


def migrate(db: SqlEngine, step: Callable[[Config], None]) -> None:
    """Run an Alembic step (upgrade or downgrade) in one transaction on one connection."""
    config = alembic_config(db)
    with db.connect() as connection, table_rebuilds(connection), connection.begin():
        config.attributes["connection"] = connection
        step(config)
        check_foreign_keys(connection)
        worklist_entries.restore_triggers(connection)


@contextmanager
def table_rebuilds(connection: Connection) -> Iterator[None]:
    """Let migrations rebuild SQLite tables without losing rows (a no-op on PostgreSQL).

    On SQLite, altering a table with constraints means copying it and dropping the old one; with
    foreign keys enforced, that drop would cascade and delete every row that refers to it (each
    case's events, tasks, parties); and renaming the copy back would check the triggers that
    name the dropped table. So foreign keys are off and renames leave triggers alone meanwhile.
    SQLite reads both pragmas outside transactions only: they go to the driver's connection
    before the migration's transaction begins."""
    if connection.dialect.name != "sqlite":
        yield
        return
    _pragmas(connection, foreign_keys="OFF", legacy_alter_table="ON")
    try:
        yield
    finally:
        _pragmas(connection, foreign_keys="ON", legacy_alter_table="OFF")


def check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a migration that left rows pointing nowhere (SQLite)."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")


def _pragmas(connection: Connection, **values: str) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    for name, value in values.items():
        driver.execute(f"PRAGMA {name}={value}")


def current(db: SqlEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.connect() as connection:
        rev = MigrationContext.configure(connection).get_current_revision()
    return str(rev) if rev is not None else None


def head() -> str:
    """The newest revision this code knows."""
    from alembic.script import ScriptDirectory

    config = Config(str(HERE / "alembic.ini"))
    config.set_main_option("script_location", str(HERE / "migrations"))
    found = ScriptDirectory.from_config(config).get_current_head()
    return str(found)
