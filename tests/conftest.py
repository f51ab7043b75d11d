"""Fixtures: one database per test (SQLite by default, PostgreSQL when PERCORSI_TEST_DATABASE_URL
is set), an engine with a fake clock, and helpers to deploy and run models."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import SYSTEM, Engine, Settings
from engine.commands.accounts import create_user, ensure_organization
from engine.store.db import connect
from engine.store.schema import upgrade
from tests.support import PG_URL, FakeClock, truncate_all
from web.app import create_app
from web.composition import build_engine


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a SQLite file to copy, or the PostgreSQL URL's public schema made
    anew and migrated once (the test database is the suite's own)."""
    if PG_URL:
        db = connect(PG_URL)
        with db.begin() as conn:  # whatever an earlier run or another checkout left behind
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        upgrade(db)
        db.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = connect(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return str(path)


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        db = connect(PG_URL)
        truncate_all(db)
        db.dispose()
        yield PG_URL
        return
    path = tmp_path / "percorsi.db"
    shutil.copy(template_db, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.from_env({}, database_url=database_url, script_time_limit=0.5)


@pytest.fixture
def engine(settings: Settings, clock: FakeClock) -> Iterator[Engine]:
    eng = build_engine(settings, clock=clock)
    yield eng
    eng.dispose()


@pytest.fixture
def network(engine: Engine) -> Engine:
    """A few organisations and users with roles, for tests that need actors."""
    with engine.uow() as uow:
        for code in ("comune_cremona", "provincia_cremona", "asst_cremona", "cav_aida"):
            ensure_organization(uow, code, code.replace("_", " ").title())
        create_user(
            uow, "giulia", memberships=[("comune_cremona", "case_manager")], password="pw-giulia-1"
        )
        create_user(
            uow, "marco", memberships=[("provincia_cremona", "cpi_operator")], password="pw-marco-1"
        )
        create_user(
            uow, "clara", memberships=[("comune_cremona", "coordinator")], password="pw-clara-1"
        )
        uow.commit()
    return engine


@pytest.fixture
def app(engine: Engine) -> Flask:
    """The web app around the test engine (no scheduler thread)."""
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, engine=engine)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


__all__ = ["SYSTEM"]
