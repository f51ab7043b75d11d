"""`percorsi audit verify` and `percorsi serve` as an administrator meets them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import delete, select

from engine import Engine
from engine.store.tables import Case, CaseEvent
from tests.support import Driver
from web.cli import main


def test_audit_verify_reports_every_chain_and_names_a_break(
    network: Engine, database_url: str
) -> None:
    drive = Driver(network)
    drive.deploy("three_tasks.bpmn", "intake.json")
    first = drive.start("three_tasks", as_user="giulia")
    drive.start("three_tasks", as_user="giulia")
    run = CliRunner(env={"PERCORSI_DATABASE_URL": database_url})
    fine = run.invoke(main, ["audit", "verify", "--json"])
    assert fine.exit_code == 0, fine.output
    report = json.loads(fine.stdout)
    assert (report["ok"], report["cases"], report["broken"]) == (True, 2, [])
    assert report["events"] == 6  # started, case manager named and task emitted, twice
    with network.uow() as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.reference == first))
        uow.session.execute(
            delete(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.seq == 3)
        )
        uow.commit()
    broken = run.invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"{first}: broken at event 3: the newest 1 event(s) are missing" in broken.stdout
    assert "2 case(s), 5 event(s) checked: 1 case(s) do NOT verify" in broken.stdout
    one = run.invoke(main, ["audit", "verify", "--case", first, "--json"])
    assert one.exit_code == 1 and json.loads(one.stdout)["broken"][0]["case"] == first
    missing = run.invoke(main, ["audit", "verify", "--case", "CR-1999-000001"])
    assert missing.exit_code == 2 and "no case 'CR-1999-000001'" in missing.stderr


def test_serve_refuses_a_database_that_is_not_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    result = CliRunner(env={"PERCORSI_DATABASE_URL": url}).invoke(main, ["serve", "--port", "5999"])
    assert result.exit_code == 2
    assert "the database is not initialised" in result.stderr
    assert "run `percorsi init` first" in result.stderr
