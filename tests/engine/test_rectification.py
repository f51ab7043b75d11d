"""Rettifica: a case manager corrects a submitted answer; the original stays in the audit trail,
the steps to come read the corrected value, and nobody else may correct."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine import Engine
from engine.commands.accounts import create_user
from engine.commands.rectification import rectify_answer
from engine.errors import Forbidden, FormDataInvalid, InvalidInput, TaskNotReady
from engine.reads.queries import find_case
from engine.rules.audit import verify_chain
from engine.rules.progress import load_instance
from engine.store.tables import CaseEvent, HumanTask
from tests.support import Driver

INTAKE = {"resident": True, "urgency": "low"}


@pytest.fixture
def drive(network: Engine) -> Driver:
    with network.uow() as uow:
        create_user(uow, "paolo", memberships=[("comune_cremona", "case_manager")])
        uow.commit()
    drive = Driver(network)
    drive.deploy("three_tasks.bpmn", "intake.json")
    return drive


def completed_intake(drive: Driver) -> tuple[str, int]:
    ref = drive.start("three_tasks", as_user="giulia")
    task_id = drive.task(ref, "intake").id
    drive.complete(ref, "intake", INTAKE, as_user="giulia")
    return ref, task_id


def rectify(drive: Driver, task_id: int, data: dict[str, Any], who: str, reason: str) -> Any:
    with drive.engine.uow() as uow:
        return rectify_answer(uow, task_id, data, reason, drive.actor(who))


def events(drive: Driver, ref: str) -> list[CaseEvent]:
    with drive.engine.uow(write=False) as uow:
        case_id = find_case(uow, ref).id
        rows = list(
            uow.session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
            )
        )
        uow.session.expunge_all()
    return rows


def test_a_rectification_keeps_the_original_and_the_next_steps_read_the_correction(
    drive: Driver,
) -> None:
    ref, task_id = completed_intake(drive)
    rectify(drive, task_id, {"urgency": "high"}, "giulia", "urgenza riferita dal CPI per errore")
    with drive.engine.uow(write=False) as uow:
        assert uow.session.get_one(HumanTask, task_id).data == {"resident": True, "urgency": "high"}
        case = find_case(uow, ref)
        assert load_instance(uow, case).data["urgency"] == "high"  # what `assess` will read
        assert verify_chain(uow, case.id).ok
    trail = events(drive, ref)
    completion = next(e for e in trail if e.kind == "task_completed")
    assert completion.payload["data"] == INTAKE  # the original, untouched
    [correction] = [e for e in trail if e.kind == "answer_rectified"]
    assert correction.actor_name == "giulia" and correction.element_id == "intake"
    assert correction.payload == {
        "task_id": task_id,
        "fields": {"urgency": {"before": "low", "after": "high"}},
        "reason": "urgenza riferita dal CPI per errore",
    }
    # Another case manager of the owning organisation may correct too.
    rectify(drive, task_id, {"resident": False}, "paolo", "residenza verificata all'anagrafe")
    with drive.engine.uow(write=False) as uow:
        assert uow.session.get_one(HumanTask, task_id).data == {
            "resident": False,
            "urgency": "high",
        }


def test_only_case_managers_of_the_case_may_rectify(drive: Driver) -> None:
    _ref, task_id = completed_intake(drive)
    with pytest.raises(Forbidden, match="clara may not correct answers"):
        rectify(drive, task_id, {"urgency": "high"}, "clara", "coordinator")


@pytest.mark.parametrize(
    ("data", "reason", "error", "field"),
    [
        ({"urgency": "soon"}, "typo", FormDataInvalid, "urgency"),
        ({"nickname": "x"}, "typo", InvalidInput, "data.nickname"),
        ({"urgency": "high"}, "   ", InvalidInput, "reason"),
        ({"urgency": "low"}, "typo", InvalidInput, "data"),
        ({}, "typo", InvalidInput, "data"),
    ],
)
def test_a_refused_rectification_names_its_field_and_changes_nothing(
    drive: Driver, data: dict[str, Any], reason: str, error: type[Exception], field: str
) -> None:
    ref, task_id = completed_intake(drive)
    count = len(events(drive, ref))
    with pytest.raises(error) as refused:
        rectify(drive, task_id, data, "giulia", reason)
    assert [p["field"] for p in refused.value.problems] == [field]  # type: ignore[attr-defined]
    assert len(events(drive, ref)) == count
    with drive.engine.uow(write=False) as uow:
        assert uow.session.get_one(HumanTask, task_id).data == INTAKE


def test_an_open_task_has_no_answers_to_rectify(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    with pytest.raises(TaskNotReady, match="no submitted answers"):
        rectify(drive, drive.task(ref, "intake").id, {"urgency": "high"}, "giulia", "typo")
