"""Creating and upgrading the database with Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine as SqlEngine

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
    config = alembic_config(db)
    with db.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    analyze(db)


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
