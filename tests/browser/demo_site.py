"""A database set up as `make run` does: the network, the bundled models, `percorsi demo`.

The demo runs with its fixed seed and a fixed "now" (the server's clock stays there), so the
same tasks are overdue, claimed and escalated on every run. On PostgreSQL it lives in its own
schema of the test database, apart from the tables the other tests empty between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from engine import SYSTEM, Engine, Settings
from engine.commands.deployment import deploy_model
from engine.store.db import connect
from engine.store.schema import upgrade
from tests.support import PG_URL, FakeClock
from web.composition import build_engine, bundled_files
from workflows.demo import create_demo
from workflows.seed import seed_network

DEMO_NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning
DEMO_CASES = 25
SCHEMA = "browser_demo"


@contextmanager
def scratch_database(folder: Path, schema: str = SCHEMA) -> Iterator[str]:
    """The URL of an empty database a live server owns: a SQLite file, or a scratch schema of
    the PostgreSQL test database (other tests empty the shared tables between tests)."""
    if not PG_URL:
        yield f"sqlite:///{folder / f'{schema}.db'}"
        return
    admin = connect(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield PG_URL + ("&" if "?" in PG_URL else "?") + f"options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def set_up_like_make_run(url: str) -> Engine:
    """init, seed, deploy --bundled, demo --cases 25: what `make setup` runs, through the same
    functions, with the engine's clock held at DEMO_NOW."""
    db = connect(url)
    upgrade(db)
    db.dispose()
    engine = build_engine(Settings.from_env({}, database_url=url), clock=FakeClock(DEMO_NOW))
    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    create_demo(engine, DEMO_CASES)
    return engine
