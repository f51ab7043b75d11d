"""Moving running cases to a new version: checked before anything moves, one transaction per
case, audited; user tasks keep their claim, draft and due date; timers are kept or recomputed;
call activities and parallel branches move; a case the plan cannot place stays as it was."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from engine import Engine
from engine.commands.accounts import load_actor
from engine.commands.migrations import MigrationReport, migrate_cases
from engine.commands.tasks import claim_task, save_draft
from engine.errors import Forbidden, InvalidInput
from engine.rules.migration_plans import MigrationPlan
from engine.scheduling.timers import fire_due_timers
from engine.store.tables import Case, CaseEvent, HumanTask
from tests.engine import migration_models as models
from tests.support import Driver, FakeClock, clone_case


@pytest.fixture
def drive(network: Engine) -> Driver:
    return Driver(network)


def migrate(drive: Driver, dry_run: bool = False, **plan: Any) -> MigrationReport:
    with drive.engine.uow(write=False) as uow:
        coordinator = load_actor(uow, "clara")
    return migrate_cases(drive.engine, coordinator, MigrationPlan(**plan), dry_run=dry_run)


def outcome(report: MigrationReport, reference: str) -> dict[str, Any]:
    return next(c.as_dict() for c in report.cases if c.reference == reference)


class Row:
    """A case row's columns as read (the session that read them is gone)."""

    def __init__(self, case: Case) -> None:
        self.__dict__.update({c.key: getattr(case, c.key) for c in Case.__table__.columns})


def row(drive: Driver, reference: str) -> Any:
    with drive.engine.uow(write=False) as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        return Row(case)


def events(drive: Driver, reference: str, kind: str) -> list[dict[str, Any]]:
    case_id = row(drive, reference).id
    with drive.engine.uow(write=False) as uow:
        found = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
        ).all()
        return [dict(e.payload, actor=e.actor_name) for e in found]


def test_a_case_waiting_on_a_user_task_keeps_claim_draft_and_due_date(
    drive: Driver, clock: FakeClock
) -> None:
    drive.deploy(files=models.three_tasks())
    ref = drive.start("three_tasks", as_user="giulia")
    intake = drive.task(ref, "intake")
    with drive.engine.uow() as uow:
        claim_task(uow, intake.id, load_actor(uow, "giulia"))
    with drive.engine.uow() as uow:
        save_draft(uow, intake.id, {"notes": "chiamata la signora"}, load_actor(uow, "giulia"))
    drive.deploy(
        files=models.three_tasks(intake_groups="case_manager,equipe_member", intake_due="P20D")
    )
    clock.advance(days=2)

    report = migrate(drive, process_id="three_tasks", to=2)

    assert outcome(report, ref)["outcome"] == "migrated"
    assert drive.case(ref)["version"] == 2
    moved = drive.task(ref, "intake")
    assert moved.id == intake.id  # the same worklist row
    assert moved.assignee == "giulia"
    assert moved.due_at == intake.due_at  # kept, not recomputed from the new P20D
    assert moved.candidate_groups == ["case_manager", "equipe_member"]  # the new version's
    with drive.engine.uow(write=False) as uow:
        assert uow.session.get_one(HumanTask, intake.id).draft == {"notes": "chiamata la signora"}
    [event] = events(drive, ref, "case_migrated")
    assert (event["from_version"], event["to_version"]) == (1, 2)
    assert event["mapping"] == {"intake": "intake"}
    assert event["tasks_kept"] == [intake.id] and event["actor"] == "clara"

    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    assert drive.open_elements(ref) == ["assess"]


def test_a_case_the_plan_cannot_place_is_refused_and_left_as_it_was(drive: Driver) -> None:
    drive.deploy(files=models.three_tasks())
    waiting_at_intake = drive.start("three_tasks", as_user="giulia")
    waiting_at_assess = drive.start("three_tasks", as_user="giulia")
    drive.complete(
        waiting_at_assess, "intake", {"resident": True, "urgency": "low"}, as_user="giulia"
    )
    drive.deploy(files=models.three_tasks(assess_id="valutazione"))
    before = row(drive, waiting_at_assess)

    report = migrate(drive, process_id="three_tasks", to=2)

    refused = outcome(report, waiting_at_assess)
    assert refused["outcome"] == "refused"
    assert refused["reasons"] == [
        "«Assess» (ready): the target version has no counterpart; "
        "name an element of the target version for it"
    ]
    assert outcome(report, waiting_at_intake)["outcome"] == "migrated"  # the others go on
    after = row(drive, waiting_at_assess)
    assert (after.version_id, after.state_json, after.lock_version) == (
        before.version_id,
        before.state_json,
        before.lock_version,
    )
    assert events(drive, waiting_at_assess, "case_migrated") == []

    mapped = migrate(drive, process_id="three_tasks", to=2, mapping={"assess": "valutazione"})
    assert outcome(mapped, waiting_at_assess)["moves"][0]["to_name"] == "Valutazione"
    assert drive.open_elements(waiting_at_assess) == ["valutazione"]
    assert [c.reference for c in mapped.cases] == [waiting_at_assess]  # the other moved already


def test_data_the_new_version_reads_must_be_present_or_given_a_default(drive: Driver) -> None:
    drive.deploy(files=models.three_tasks())
    ref = drive.start("three_tasks", as_user="giulia")
    drive.deploy(files=models.three_tasks(gateway_condition="isee &lt; 10000"))

    refused = outcome(migrate(drive, process_id="three_tasks", to=2), ref)
    assert refused["outcome"] == "refused"
    assert refused["reasons"] == [
        "version 2 reads 'isee' (ISEE basso?: condition), which the case's data does not "
        "hold: give it a default"
    ]
    assert drive.case(ref)["version"] == 1

    report = migrate(drive, process_id="three_tasks", to=2, defaults={"isee": 5000})
    assert outcome(report, ref)["defaults"] == ["isee"]
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    assert drive.open_elements(ref) == ["close"]  # the new gateway read the default


def test_an_optional_field_left_empty_on_a_step_passed_is_not_missing(drive: Driver) -> None:
    drive.deploy(files=models.three_tasks())
    ref = drive.start("three_tasks", as_user="giulia")
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    # version 2's last step reads `notes`, an optional field of the intake this case went through
    drive.deploy(files=models.three_tasks(close_due='"P1D" if notes else "P2D"'))

    assert outcome(migrate(drive, process_id="three_tasks", to=2), ref)["outcome"] == "migrated"


def test_a_refused_case_is_told_every_reason_at_once(drive: Driver) -> None:
    drive.deploy(files=models.two_branches())
    ref = drive.start("two_branches")
    drive.deploy(files=models.two_branches(second="task_c", condition="isee &lt; 10"))

    found = outcome(migrate(drive, dry_run=True, process_id="two_branches", to=2), ref)

    assert found["outcome"] == "refused"
    assert [(p["code"], p["params"].get("name")) for p in found["problems"]] == [
        ("no_target", "B"),
        ("missing_data", "isee"),
    ]


def test_a_dry_run_reports_and_changes_nothing(drive: Driver) -> None:
    drive.deploy(files=models.three_tasks())
    ref = drive.start("three_tasks", as_user="giulia")
    drive.deploy(files=models.three_tasks(intake_due="P20D"))
    before = row(drive, ref)

    report = migrate(drive, dry_run=True, process_id="three_tasks", to=2)

    found = outcome(report, ref)
    assert found["outcome"] == "can_migrate"
    assert found["moves"] == [
        {
            "from": "intake",
            "from_name": "Intake",
            "from_label": {"name": "Intake"},
            "to": "intake",
            "to_name": "Intake",
            "to_label": {"name": "Intake"},
            "kind": "human task",
            "state": "ready",
        }
    ]
    assert found["tasks"][0]["kept"] is True
    after = row(drive, ref)
    assert (after.version_id, after.state_json) == (before.version_id, before.state_json)
    assert events(drive, ref, "case_migrated") == []


def test_migrating_twice_changes_nothing_the_second_time(drive: Driver) -> None:
    drive.deploy(files=models.three_tasks())
    ref = drive.start("three_tasks", as_user="giulia")
    drive.deploy(files=models.three_tasks(intake_due="P20D"))
    migrate(drive, process_id="three_tasks", to=2)
    first = row(drive, ref)

    again = migrate(drive, process_id="three_tasks", to=2, cases=(ref,))

    assert outcome(again, ref)["outcome"] == "unchanged"
    assert outcome(again, ref)["reasons"] == ["the case is already on version 2"]
    second = row(drive, ref)
    assert (second.state_json, second.lock_version) == (first.state_json, first.lock_version)
    assert len(events(drive, ref, "case_migrated")) == 1


@pytest.mark.parametrize("timers", ["keep", "recompute"])
def test_a_waiting_timer_keeps_its_due_time_or_is_recomputed(
    drive: Driver, clock: FakeClock, timers: str
) -> None:
    drive.deploy(files=models.timer_wait("PT1H"))
    ref = drive.start("timer_wait")
    due = row(drive, ref).next_wakeup_at
    assert due == clock.now + timedelta(hours=1)
    drive.deploy(files=models.timer_wait("PT3H"))
    clock.advance(minutes=30)

    report = migrate(drive, process_id="timer_wait", to=2, timers=timers)

    expected = due if timers == "keep" else clock.now + timedelta(hours=3)
    assert row(drive, ref).next_wakeup_at == expected
    change = outcome(report, ref)["timers"]
    assert change == (
        []
        if timers == "keep"
        else [{"element_id": "wait", "before": due.isoformat(), "after": expected.isoformat()}]
    )
    clock.now = expected + timedelta(seconds=1)
    fire_due_timers(drive.engine, clock.now)
    assert drive.case(ref)["status"] == "completed"


def test_a_boundary_timer_the_new_version_adds_on_the_open_task_is_armed(
    drive: Driver, clock: FakeClock
) -> None:
    drive.deploy(files=models.three_tasks())
    ref = drive.start("three_tasks", as_user="giulia")
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    drive.deploy(files=models.three_tasks(reminder_on_assess="P5D"))

    report = migrate(drive, process_id="three_tasks", to=2)

    due = clock.now + timedelta(days=5)  # counted from the move
    assert outcome(report, ref)["timers"] == [
        {"element_id": "promemoria", "before": None, "after": due.isoformat()}
    ]
    assert row(drive, ref).next_wakeup_at == due
    clock.now = due + timedelta(seconds=1)
    fire_due_timers(drive.engine, clock.now)
    assert events(drive, ref, "timer_fired") and drive.open_elements(ref) == ["assess"]
    drive.complete(ref, "assess", as_user="giulia")
    assert drive.open_elements(ref) == ["close"]  # the task closes its boundary as usual


def test_a_boundary_event_the_new_version_drops_is_cancelled_only_when_the_plan_says_so(
    drive: Driver,
) -> None:
    drive.deploy(files=models.three_tasks(reminder_on_assess="P5D"))
    ref = drive.start("three_tasks", as_user="giulia")
    drive.complete(ref, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    drive.deploy(files=models.three_tasks())

    refused = outcome(migrate(drive, process_id="three_tasks", to=2), ref)
    assert refused["reasons"][0].startswith("«Promemoria» (waiting)")

    moved = outcome(
        migrate(drive, process_id="three_tasks", to=2, mapping={"promemoria": None}), ref
    )
    assert moved["outcome"] == "migrated", moved
    assert {(m["from"], m["to"]) for m in moved["moves"]} == {
        ("assess", "assess"),
        ("promemoria", None),
    }
    assert row(drive, ref).next_wakeup_at is None  # no timer waits any more
    drive.complete(ref, "assess", as_user="giulia")
    assert drive.open_elements(ref) == ["close"]


def test_a_case_inside_a_call_activity_moves_with_its_child(drive: Driver) -> None:
    drive.deploy(files=models.parent_and_child())
    ref = drive.start("parent", as_user="giulia")
    drive.complete(ref, "before", as_user="giulia")
    child = drive.task(ref, "child_task")
    drive.deploy(files=models.parent_and_child(child_task="child_work", after="after_v2"))

    refused = outcome(migrate(drive, process_id="parent", to=2), ref)
    assert refused["outcome"] == "refused"
    assert "«Child task» (ready)" in refused["reasons"][0]

    report = migrate(drive, process_id="parent", to=2, mapping={"child_task": "child_work"})

    moves = {(m["from"], m["to"]) for m in outcome(report, ref)["moves"]}
    assert moves == {("call_child", "call_child"), ("child_task", "child_work")}
    moved = drive.task(ref, "child_work")
    assert moved.id == child.id and moved.name == "Lavoro del figlio"
    drive.complete(ref, "child_work")
    assert drive.open_elements(ref) == ["after_v2"]  # what follows comes from version 2


def test_parallel_branches_move_and_join_on_the_new_version(drive: Driver) -> None:
    drive.deploy("parallel.bpmn")
    ref = drive.start("parallel", as_user="giulia")
    drive.complete(ref, "social", as_user="giulia")
    drive.deploy(files=models.parallel(drop_asst=True))

    refused = outcome(migrate(drive, process_id="parallel", to=2), ref)
    assert refused["outcome"] == "refused"
    assert refused["reasons"][0].startswith("«ASST contribution» (ready)")

    report = migrate(drive, process_id="parallel", to=2, mapping={"asst": "cpi"})
    assert outcome(report, ref)["outcome"] == "migrated"
    assert drive.open_elements(ref) == ["cpi", "cpi"]
    for task in drive.tasks(ref):
        with drive.engine.uow() as uow:
            from engine.commands.tasks import complete_task

            complete_task(uow, task.id, {}, load_actor(uow, None))
    assert drive.open_elements(ref) == ["synthesis"]


def test_a_join_that_would_wait_for_a_branch_never_started_refuses_the_case(
    drive: Driver,
) -> None:
    drive.deploy("parallel.bpmn")
    ref = drive.start("parallel", as_user="giulia")
    drive.deploy(files=models.parallel(extra_branch=True))

    refused = outcome(migrate(drive, process_id="parallel", to=2), ref)

    assert refused["outcome"] == "refused"
    assert refused["reasons"] == [
        "the unnamed parallel gateway after «Training contribution», «Social contribution», "
        "«CPI contribution» and «ASST contribution» would wait for ever for the branch through "
        "«Training contribution», which this case never started"
    ]


def test_only_coordinators_migrate_and_a_bad_plan_names_its_problems(drive: Driver) -> None:
    drive.deploy(files=models.three_tasks())
    with drive.engine.uow(write=False) as uow:
        operator = load_actor(uow, "giulia")
    with pytest.raises(Forbidden):
        migrate_cases(drive.engine, operator, MigrationPlan("three_tasks", 1), dry_run=True)
    with pytest.raises(InvalidInput) as err:
        migrate(drive, process_id="three_tasks", to=7, mapping={"a": "b"}, timers="later")
    fields = {p["field"] for p in err.value.problems}
    assert fields == {"timers", "to"}


def test_a_bulk_run_of_a_thousand_cases_goes_on_past_a_refusal_and_a_failure(
    drive: Driver,
) -> None:
    drive.deploy(files=models.three_tasks())
    template = drive.start("three_tasks", as_user="giulia")
    clone_case(drive.engine, template, 997)
    at_assess = drive.start("three_tasks", as_user="giulia")
    drive.complete(at_assess, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    broken = drive.start("three_tasks", as_user="giulia")
    with drive.engine.uow() as uow:
        uow.session.execute(
            update(Case).where(Case.reference == broken).values(state_json='{"tasks": "lost"}')
        )
        uow.commit()
    drive.deploy(files=models.three_tasks(assess_id="valutazione"))

    report = migrate(drive, process_id="three_tasks", to=2)

    assert len(report.cases) == 1000
    assert report.counts == {"migrated": 998, "refused": 1, "failed": 1}
    assert outcome(report, broken)["reasons"][0].startswith("unexpected error, nothing was changed")
    with drive.engine.uow(write=False) as uow:
        versions = dict(
            uow.session.execute(
                select(Case.version_id, func.count()).group_by(Case.version_id)
            ).all()
        )
        moved_events = uow.session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "case_migrated")
        )
    assert sorted(versions.values()) == [2, 998] and moved_events == 998

    again = migrate(drive, process_id="three_tasks", to=2)
    assert again.counts == {"refused": 1, "failed": 1}  # the moved ones are not selected again
