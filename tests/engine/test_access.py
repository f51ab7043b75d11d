"""Organisation scoping and restricted identities, enforced in the engine's read models."""

from __future__ import annotations

import pytest

from engine.errors import CaseNotFound, Forbidden, TaskNotFound
from engine.reads.caseviews import CaseFilter, case_detail, case_events, list_cases
from engine.reads.taskviews import TaskFilter, list_tasks, task_detail
from engine.store.tables import CaseEvent
from tests.support import Driver


@pytest.fixture
def drive(access_drive: Driver) -> Driver:
    return access_drive


def _detail(drive: Driver, user: str, ref: str) -> dict:  # type: ignore[type-arg]
    with drive.engine.uow() as uow:
        return case_detail(uow, drive.actor(user), ref)


def test_operator_of_a_foreign_organisation_gets_not_found(drive: Driver) -> None:
    ref = drive.start("three_tasks", {"subject": {"name": "Maria Bianchi"}}, as_user="giulia")
    assert _detail(drive, "giulia", ref)["reference"] == ref
    with pytest.raises(CaseNotFound):
        _detail(drive, "sara", ref)
    with drive.engine.uow(write=False) as uow:
        assert list_cases(uow, drive.actor("sara"), CaseFilter()).items == []
        assert [
            c["reference"] for c in list_cases(uow, drive.actor("giulia"), CaseFilter()).items
        ] == [ref]
        task_id = drive.task(ref, "intake").id
        with pytest.raises(TaskNotFound):
            task_detail(uow, drive.actor("sara"), task_id)
        assert list_tasks(uow, drive.actor("sara"), TaskFilter()).items == []
        [row] = list_tasks(uow, drive.actor("giulia"), TaskFilter()).items
        assert row["id"] == task_id and row["case_subject"].startswith("PS-")


def test_cabina_reads_aggregates_only(drive: Driver) -> None:
    ref = drive.start("three_tasks", as_user="giulia")
    with drive.engine.uow(write=False) as uow, pytest.raises(Forbidden):
        list_cases(uow, drive.actor("ugo"), CaseFilter())
    with pytest.raises(Forbidden):
        _detail(drive, "ugo", ref)


def test_restricted_identity_only_for_cav_and_case_manager(drive: Driver) -> None:
    identity = {"name": "Maria Bianchi", "tax_code": "BNCMRA80A41D150X"}
    ref = drive.start(
        "three_tasks",
        {"restricted": True, "subject": identity},
        as_user="giulia",
        organization="comune_cremona",
    )
    with drive.engine.uow() as uow:
        from sqlalchemy import select

        from engine.commands.accounts import load_actor
        from engine.store.tables import CaseParty, Organization

        cav = uow.session.scalar(select(Organization.id).where(Organization.code == "cav_aida"))
        case_id = uow.session.scalar(select(CaseEvent.case_id))
        uow.session.add(CaseParty(case_id=case_id, organization_id=cav))
        uow.commit()
        assert load_actor(uow, "anna").has_role("cav_operator")
    assert _detail(drive, "giulia", ref)["identity"] == identity  # the named case manager
    assert _detail(drive, "anna", ref)["identity"] == identity  # a CAV operator taking part
    clara = _detail(drive, "clara", ref)  # a coordinator sees the case, not who she is
    assert clara["identity"] is None
    assert "Bianchi" not in repr(clara) and "BNCMRA" not in repr(clara)
    with drive.engine.uow() as uow:
        events = case_events(uow, drive.actor("ada"), ref)
    reads = [e for e in events if e["kind"] == "restricted_case_read"]
    assert [e["actor"] for e in reads] == ["giulia", "anna", "clara"]
