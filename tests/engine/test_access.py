"""Organisation scoping and restricted identities, enforced in the engine's read models."""

from __future__ import annotations

import pytest

from engine.errors import CaseNotFound, Forbidden, TaskNotFound
from engine.reads.caselists import CaseFilter, list_cases
from engine.reads.caseviews import case_detail
from engine.reads.taskviews import TaskFilter, list_tasks, task_detail
from engine.reads.trail import case_events
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


def test_restricted_identity_only_for_the_named_cav_operator_and_consenting_case_manager(
    drive: Driver,
) -> None:
    from engine.commands.accounts import create_user, ensure_organization
    from engine.commands.consents import give_consent, withdraw_consent

    with drive.engine.uow() as uow:  # a CAV owns the case; the Comune is a social service
        ensure_organization(uow, "cav_aida", "Centro antiviolenza", "cav")
        ensure_organization(uow, "comune_cremona", "Comune di Cremona", "social_service")
        create_user(uow, "bea", memberships=[("cav_aida", "cav_operator")])
        uow.commit()
    identity = {"name": "Maria Bianchi", "tax_code": "BNCMRA80A41D150X"}
    ref = drive.start(
        "three_tasks",
        {"restricted": True, "subject": identity},
        as_user="anna",
        organization="cav_aida",
    )
    with drive.engine.uow() as uow:
        from engine.commands.ownership import set_case_manager

        set_case_manager(uow, ref, "giulia", drive.actor("anna"))
    assert _detail(drive, "anna", ref)["identity"] == identity  # the named CAV operator
    assert _detail(drive, "bea", ref)["identity"] is None  # another operator of the same CAV
    assert _detail(drive, "giulia", ref)["identity"] is None  # no consent yet
    with drive.engine.uow() as uow:
        give_consent(uow, ref, "identity_to_case_manager", drive.actor("anna"))
    assert _detail(drive, "giulia", ref)["identity"] == identity  # the consenting case manager
    with drive.engine.uow() as uow:
        withdraw_consent(uow, ref, "identity_to_case_manager", drive.actor("anna"))
    assert _detail(drive, "giulia", ref)["identity"] is None
    clara = _detail(drive, "clara", ref)  # a coordinator sees the case, not who she is
    assert clara["identity"] is None
    assert "Bianchi" not in repr(clara) and "BNCMRA" not in repr(clara)
    with drive.engine.uow() as uow:
        reads = case_events(uow, drive.actor("ada"), ref, reads="only").items
    assert [e["actor"] for e in reads] == ["anna", "bea", "giulia", "giulia", "giulia", "clara"]


def test_a_case_list_names_a_restricted_case_to_its_case_manager_only_while_she_consents(
    drive: Driver,
) -> None:
    from engine.commands.accounts import ensure_organization
    from engine.commands.consents import give_consent, withdraw_consent
    from engine.commands.ownership import set_case_manager
    from engine.reads.caselists import list_cases_with_tasks

    with drive.engine.uow() as uow:
        ensure_organization(uow, "cav_aida", "Centro antiviolenza", "cav")
        ensure_organization(uow, "comune_cremona", "Comune di Cremona", "social_service")
        uow.commit()
    refs = {}
    for given in ("Maria", "Lucia", "Sara"):
        subject = {"given_name": given, "family_name": "Neri"}
        refs[given] = drive.start(
            "three_tasks",
            {"restricted": True, "subject": subject},
            as_user="anna",
            organization="cav_aida",
        )
    for given in ("Maria", "Lucia"):  # Sara's case is led by the CAV alone
        with drive.engine.uow() as uow:
            set_case_manager(uow, refs[given], "giulia", drive.actor("anna"))

    def names(user: str) -> dict[str, str | None]:
        with drive.engine.uow(write=False) as uow:
            page = list_cases_with_tasks(uow, drive.actor(user), CaseFilter())
        return {c["reference"]: c["name"] for c in page.items if c["reference"] in refs.values()}

    def reads(user: str) -> dict[str, int]:
        found = {}
        for given, ref in refs.items():
            with drive.engine.uow() as uow:
                events = case_events(uow, drive.actor("ada"), ref, reads="only").items
            found[given] = sum(1 for e in events if e["actor"] == user)
        return found

    nobody = dict.fromkeys(refs.values())
    assert names("giulia") == nobody  # no consent yet; Sara's case is not hers
    assert reads("giulia") == {"Maria": 0, "Lucia": 0, "Sara": 0}  # no name shown, no read
    with drive.engine.uow() as uow:
        give_consent(uow, refs["Lucia"], "identity_to_case_manager", drive.actor("anna"))
    assert names("giulia") == {**nobody, refs["Lucia"]: "Lucia Neri"}
    assert reads("giulia") == {"Maria": 0, "Lucia": 1, "Sara": 0}
    assert set(names("anna").values()) == {"Maria Neri", "Lucia Neri", "Sara Neri"}
    with drive.engine.uow() as uow:
        withdraw_consent(uow, refs["Lucia"], "identity_to_case_manager", drive.actor("anna"))
    assert names("giulia") == nobody
    assert reads("giulia") == {"Maria": 0, "Lucia": 1, "Sara": 0}
