"""`percorsi backup` and `percorsi restore`: back up, change things, restore, compare; refusals
leave the database as it was."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select, text

from engine import Engine, Settings
from engine.scheduling.lease import acquire_lease
from engine.store.tables import Case, CaseEvent, HumanTask, utcnow
from tests.support import PG_URL, Driver
from web.cli import main
from web.composition import build_engine

pytestmark = pytest.mark.skipif(
    bool(PG_URL) and shutil.which("pg_dump") is None, reason="PostgreSQL's client tools needed"
)
INTAKE = {"resident": True, "urgency": "low"}


@pytest.fixture
def cli(database_url: str) -> Any:
    runner = CliRunner(env={"PERCORSI_DATABASE_URL": database_url})

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def snapshot(settings: Settings) -> dict[str, Any]:
    """What a person would compare: cases, their tasks, their audit trails (a fresh engine)."""
    engine = build_engine(settings)
    try:
        with engine.uow(write=False) as uow:
            cases = uow.session.execute(
                select(Case.reference, Case.status, Case.lock_version).order_by(Case.reference)
            ).all()
            tasks = uow.session.execute(
                select(HumanTask.case_id, HumanTask.element_id, HumanTask.status).order_by(
                    HumanTask.id
                )
            ).all()
            events = uow.session.scalar(select(func.count()).select_from(CaseEvent))
        return {
            "cases": [tuple(c) for c in cases],
            "tasks": [tuple(t) for t in tasks],
            "events": events,
        }
    finally:
        engine.dispose()


@pytest.fixture
def neighbour(network: Engine) -> Iterator[None]:
    """On PostgreSQL, another application's schema in the same database: never touched."""
    if not PG_URL:
        yield
        return
    with network.db.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS neighbour_app CASCADE"))
        conn.execute(text("CREATE SCHEMA neighbour_app"))
        conn.execute(text("CREATE TABLE neighbour_app.note (body text)"))
        conn.execute(text("INSERT INTO neighbour_app.note VALUES ('keep me')"))
    yield
    with network.db.begin() as conn:
        kept = conn.execute(text("SELECT body FROM neighbour_app.note")).scalars().all()
        conn.execute(text("DROP SCHEMA neighbour_app CASCADE"))
    assert kept == ["keep me"]


@pytest.mark.usefixtures("neighbour")
def test_back_up_add_cases_restore_and_compare(
    network: Engine, settings: Settings, cli: Any, tmp_path: Path
) -> None:
    drive = Driver(network)
    drive.deploy("three_tasks.bpmn", "intake.json")
    kept = drive.start("three_tasks", as_user="giulia")
    drive.complete(kept, "intake", INTAKE, as_user="giulia")
    drive.start("three_tasks", as_user="giulia")
    before = snapshot(settings)

    file = tmp_path / "percorsi.backup"
    made = cli("backup", str(file))
    assert made.exit_code == 0, made.stderr
    assert f"backup written: {file}" in made.stdout
    assert file.read_bytes()[:5] in (b"SQLit", b"PGDMP")

    later = drive.start("three_tasks", as_user="giulia")  # after the backup: will be gone
    drive.complete(kept, "assess", as_user="giulia")
    assert snapshot(settings) != before

    restored = cli("restore", str(file), "--yes")
    assert restored.exit_code == 0, restored.stdout + restored.stderr
    assert "audit: 2 case(s) checked, every audit chain verifies" in restored.stdout
    after = snapshot(settings)
    assert after == before
    assert later not in [c[0] for c in after["cases"]]
    [kept_line] = [line for line in restored.stdout.splitlines() if "is kept in" in line]
    assert Path(kept_line.rsplit(" ", 1)[1]).is_file()  # the database as it was, just in case
    verified = cli("audit", "verify")
    assert verified.exit_code == 0 and "every audit chain verifies" in verified.stdout


def test_backups_are_never_overwritten(network: Engine, cli: Any, tmp_path: Path) -> None:
    file = tmp_path / "taken"
    file.write_text("something else")
    result = cli("backup", str(file))
    assert result.exit_code == 2
    assert f"error: {file} exists" in result.stderr
    assert file.read_text() == "something else"


def test_a_file_that_is_no_backup_is_refused_before_anything_changes(
    network: Engine, settings: Settings, cli: Any, tmp_path: Path
) -> None:
    Driver(network).deploy("three_tasks.bpmn", "intake.json")
    Driver(network).start("three_tasks", as_user="giulia")
    before = snapshot(settings)
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a database")
    result = cli("restore", str(wrong), "--yes")
    assert result.exit_code == 2
    assert "is not a" in result.stderr and "backup" in result.stderr
    assert snapshot(settings) == before


def test_restore_refuses_while_percorsi_runs(network: Engine, cli: Any, tmp_path: Path) -> None:
    file = tmp_path / "b"
    assert cli("backup", str(file)).exit_code == 0
    with network.uow(now=utcnow()) as uow:  # by the wall clock, as a running server would
        acquire_lease(uow, "web-host:4242", "web-scheduler")
    result = cli("restore", str(file), "--yes")
    assert result.exit_code == 2
    assert "Percorsi is running (the scheduler of web-host:4242" in result.stderr
