"""Bulk migration runs: worked in leased batches by whoever comes first (the page or a scheduler
pass); one holder at a time; a dry run's confirmation moves exactly the cases it found movable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import Engine
from engine.commands import migration_runs
from engine.commands.accounts import load_actor
from engine.commands.migration_runs import (
    CaseSelection,
    advance_run,
    cancel_run,
    confirm_run,
    start_run,
)
from engine.errors import InvalidInput
from engine.reads.migrationviews import run_view
from engine.rules.migration_plans import MigrationPlan
from engine.scheduling.duties import tick
from engine.store.tables import MigrationRun
from tests.engine import migration_models as models
from tests.support import Driver, FakeClock

INTAKE = {"resident": True, "urgency": "low"}


@pytest.fixture
def drive(network: Engine) -> Driver:
    """Three cases at intake, one at assess; version 2 renames assess."""
    drive = Driver(network)
    drive.deploy(files=models.three_tasks())
    for _ in range(3):
        drive.start("three_tasks", {"target_group": "giovani"}, as_user="giulia")
    at_assess = drive.start("three_tasks", {"target_group": "adulti"}, as_user="giulia")
    drive.complete(at_assess, "intake", INTAKE, as_user="giulia")
    drive.deploy(files=models.three_tasks(assess_id="valutazione"))
    return drive


def started(drive: Driver, dry_run: bool = True, **selection: object) -> int:
    with drive.engine.uow() as uow:
        coordinator = load_actor(uow, "clara")
        run = start_run(
            uow,
            coordinator,
            MigrationPlan("three_tasks", 2),
            dry_run=dry_run,
            selection=CaseSelection(**selection),  # type: ignore[arg-type]
        )
        return run.id


def view(drive: Driver, run_id: int) -> dict[str, object]:
    with drive.engine.uow(write=False) as uow:
        return run_view(uow, load_actor(uow, "clara"), "three_tasks", run_id)


def test_a_scheduler_pass_works_a_run_and_confirming_moves_the_movable_cases(
    drive: Driver, clock: FakeClock
) -> None:
    run_id = started(drive)

    report = tick(drive.engine, clock.now)

    assert report.migrated == 4
    checked = view(drive, run_id)
    assert (checked["status"], checked["counts"]) == ("done", {"can_migrate": 3, "refused": 1})
    [(problem, count)] = checked["reasons"]  # type: ignore[misc]
    assert (problem["code"], problem["params"]["name"], count) == ("no_target", "Assess", 1)

    with drive.engine.uow() as uow:
        moving = confirm_run(uow, load_actor(uow, "clara"), "three_tasks", run_id)
    assert moving.total == 3
    while advance_run(drive.engine, moving.id):
        pass
    assert view(drive, moving.id)["counts"] == {"migrated": 3}
    assert view(drive, run_id)["confirmed_by"] == moving.id
    with drive.engine.uow() as uow, pytest.raises(InvalidInput):
        confirm_run(uow, load_actor(uow, "clara"), "three_tasks", moving.id)  # not a dry run


def test_one_holder_at_a_time_and_a_crashed_holder_s_lease_expires(
    drive: Driver, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = started(drive)
    with drive.engine.uow() as uow:
        uow.session.execute(
            update(MigrationRun)
            .where(MigrationRun.id == run_id)
            .values(lease_until=clock.now + timedelta(seconds=30))  # someone is working on it
        )
        uow.commit()
    assert advance_run(drive.engine, run_id, now=clock.now) == 0
    monkeypatch.setattr(migration_runs, "BATCH", 2)
    assert advance_run(drive.engine, run_id, now=clock.now + timedelta(minutes=2)) == 2
    assert view(drive, run_id)["processed"] == 2
    with drive.engine.uow(write=False) as uow:
        lease = uow.session.scalar(
            select(MigrationRun.lease_until).where(MigrationRun.id == run_id)
        )
    assert lease is None  # given back after the batch


def test_a_run_takes_the_chosen_cases_and_can_be_stopped(drive: Driver) -> None:
    run_id = started(drive, target_group="adulti")
    assert view(drive, run_id)["total"] == 1
    with pytest.raises(InvalidInput, match="no running case matches"):
        started(drive, waiting_at="close")
    with drive.engine.uow() as uow:
        cancel_run(uow, load_actor(uow, "clara"), "three_tasks", run_id)
    assert advance_run(drive.engine, run_id) == 0
    assert view(drive, run_id)["status"] == "cancelled"
