"""Retention: closed cases past their pathway's period lose identity and free text everywhere in
the database, while the indicators keep their history and every audit chain still verifies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from engine import Engine
from engine.commands.cases import cancel_case
from engine.commands.retention import run_retention
from engine.reads.auditing import verify_all
from engine.reads.queries import find_case
from engine.reporting.indicator_queries import DashboardQuery
from engine.reporting.indicators import compute_dashboard
from engine.store.tables import Base, CaseEvent, CaseSubject, HumanTask
from tests.engine.test_indicators import MINI
from tests.support import FIXTURES, Driver, FakeClock, fixture_files
from web.cli import main

GONE = ("Ermenegilda", "Pastrengo", "PSTRMN80A41D150B", "sorella", "trasferita")
KEPT = ("Nives", "Quarantotto")  # a running case's person: nothing happens to her
RETENTION = (
    "<bpmn:extensionElements><spiffworkflow:properties>"
    '<spiffworkflow:property name="retentionPeriod" value="P1Y" />'
    "</spiffworkflow:properties></bpmn:extensionElements>"
)


def _model() -> dict[str, bytes]:
    """inclusione_mini with a one-year retention and a free-text note on its first task."""
    xml = (FIXTURES / "inclusione_mini.bpmn").read_text()
    xml = xml.replace('isExecutable="true">', f'isExecutable="true">{RETENTION}', 1)
    xml = xml.replace(
        '<spiffworkflow:property name="dueIn" value="P5D" />',
        '<spiffworkflow:property name="dueIn" value="P5D" />'
        '<spiffworkflow:property name="formKey" value="intake.json" />',
    )
    return {"inclusione_mini.bpmn": xml.encode(), **fixture_files("intake.json", "esito.json")}


def _person(given: str, family: str, code: str) -> dict[str, Any]:
    subject = {"given_name": given, "family_name": family, "tax_code": code}
    return {"target_group": "giovani", "subject": subject}


@pytest.fixture
def drive(network: Engine) -> Driver:
    drive = Driver(network)
    drive.deploy(files=_model())
    return drive


def _walk_to_the_end(drive: Driver, ref: str, clock: FakeClock) -> None:
    note = {"resident": True, "urgency": "low", "notes": "vive con la sorella Ermenegilda"}
    drive.complete(ref, "segnalazione", note, as_user="giulia")
    for element, who in (("analisi_preliminare", "giulia"), ("patto", "giulia")):
        clock.advance(days=3)
        drive.complete(ref, element, as_user=who)
    drive.complete(ref, "avvio_servizio", as_user="marco")
    drive.complete(ref, "esito", {"esito": "occupato"}, as_user="giulia")


def _everything(engine: Engine) -> str:
    """Every row of every table, as text."""
    with engine.uow(write=False) as uow:
        rows = [
            str(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in uow.session.execute(text(f'SELECT * FROM "{table.name}"'))
        ]
    return "\n".join(rows)


def _dashboard(drive: Driver, clock: FakeClock) -> Any:
    with drive.engine.uow(write=False, now=clock.now) as uow:
        return compute_dashboard(uow, drive.actor("clara"), DashboardQuery(), MINI)


def test_retention_anonymises_expired_cases_and_keeps_indicators_and_chains(
    drive: Driver, clock: FakeClock, database_url: str
) -> None:
    her = _person("Ermenegilda", "Pastrengo", GONE[2])
    done = drive.start("inclusione_mini", her, as_user="giulia")
    _walk_to_the_end(drive, done, clock)
    withdrawn = drive.start("inclusione_mini", her, as_user="giulia")
    with drive.engine.uow() as uow:
        case_id = find_case(uow, withdrawn).id
        cancel_case(uow, case_id, drive.actor("clara"), "trasferita presso la sorella")
    clock.advance(days=200)
    other = _person("Nives", "Quarantotto", "QRNNVS70A41D150X")
    running = drive.start("inclusione_mini", other, as_user="giulia")
    waiting = {"resident": True, "urgency": "low", "notes": "Nives, in attesa"}
    drive.complete(running, "segnalazione", waiting, as_user="giulia")
    assert all(word in _everything(drive.engine) for word in GONE)
    clock.advance(days=200)  # the closed cases are 400 days closed; their period is a year
    before = _dashboard(drive, clock)

    runner = CliRunner(env={"PERCORSI_DATABASE_URL": database_url})
    at = clock.now.isoformat()
    listed = runner.invoke(main, ["retention", "run", "--dry-run", "--now", at])
    assert listed.exit_code == 0, listed.output
    assert done in listed.output and withdrawn in listed.output and running not in listed.output
    assert "period P1Y" in listed.output and "dry run: nothing was changed" in listed.output
    assert all(word in _everything(drive.engine) for word in GONE)

    report = run_retention(drive.engine, clock.now)
    assert sorted(report.anonymized) == sorted([done, withdrawn]) and report.failed == []

    everything = _everything(drive.engine)
    assert [word for word in GONE if word in everything] == []
    assert all(word in everything for word in KEPT)
    assert _dashboard(drive, clock) == before  # the indicators keep their history
    with drive.engine.uow(write=False) as uow:
        chains = list(verify_all(uow))
        assert [c.reference for c in chains if not c.check.ok] == []
        case = find_case(uow, done)
        assert case.anonymized_at == clock.now and case.subject_pseudonym.startswith("PS-")
        assert uow.session.get(CaseSubject, case.id) is None
        answers = {
            t.element_id: t.data
            for t in uow.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id))
        }
        assert answers["segnalazione"] == {"resident": True, "urgency": "low"}
        assert answers["esito"] == {"esito": "occupato"}
        kinds = list(
            uow.session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
        )
    assert kinds[-2:] == ["redaction", "case_anonymized"]
    assert drive.case(done)["status"] == "completed"  # the case still reads (its diagram too)

    again = runner.invoke(
        main, ["retention", "run", "--now", (clock.now + timedelta(days=1)).isoformat()]
    )
    assert again.exit_code == 0 and "no closed case is past its retention period" in again.output


def test_without_a_pathway_period_the_default_of_ten_years_applies(
    network: Engine, clock: FakeClock
) -> None:
    drive = Driver(network)
    drive.deploy("three_tasks.bpmn", "intake.json")
    ref = drive.start("three_tasks", as_user="giulia")
    with drive.engine.uow() as uow:
        cancel_case(uow, find_case(uow, ref).id, drive.actor("clara"), "doppione")
    assert run_retention(drive.engine, clock.now + timedelta(days=3650), dry_run=True).expired == []
    [expiry] = run_retention(drive.engine, clock.now + timedelta(days=3654), dry_run=True).expired
    assert (expiry.reference, expiry.period) == (ref, "P10Y")


def test_a_malformed_retention_period_is_refused_at_deploy(network: Engine) -> None:
    from engine.errors import ModelInvalid

    files = _model()
    files["inclusione_mini.bpmn"] = files["inclusione_mini.bpmn"].replace(b'"P1Y"', b'"ten years"')
    with pytest.raises(ModelInvalid) as refused:
        Driver(network).deploy(files=files)
    assert "retentionPeriod 'ten years' is not a positive ISO 8601 duration" in str(
        refused.value.problems
    )
