"""Who owns a case across the Ambito, who leads it, and moving it: on the engine's commands,
with the case reloaded between steps."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from engine.commands.accounts import create_user
from engine.commands.ownership import set_case_manager, transfer_case
from engine.errors import CaseNotFound, Forbidden, InvalidInput, TaskNotFound
from engine.reads.caseviews import case_detail
from engine.store.tables import CaseEvent, Notification, User
from tests.workflows.conftest import ANALISI, ASC, CM, COMUNE, Walk


def events(walk: Walk, ref: str, kind: str) -> list[dict[str, object]]:
    with walk.engine.uow(write=False) as uow:
        case_id = walk.case_row(ref).id
        rows = uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
        )
        return [dict(e.payload) for e in rows]


def notified(walk: Walk, username: str) -> list[str]:
    from engine.notices.outbox import deliver_due

    deliver_due(walk.engine, walk.clock.now)
    with walk.engine.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(Notification.kind)
                .join(User, User.id == Notification.user_id)
                .where(User.username == username)
            )
        )


def test_an_asc_case_manager_takes_in_charge_a_referral_from_pizzighettone(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("adulti", comune="Pizzighettone")  # a union desk refers her
    case = walk.case_row(ref)
    assert case.owner_organization_id == walk.org_id(ASC) and case.case_manager_id is None
    walk.expect(ref, {"presa_atto": (CM, ASC, walk.in_days(7))})
    from engine.commands.tasks import complete_task

    with walk.engine.uow() as uow, pytest.raises(TaskNotFound):  # not the Comune's case
        complete_task(uow, walk.task(ref, "presa_atto").id, {}, walk.actor("giulia.rossi"))
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})  # as luca.ferrari, of ASC
    assert walk.case_row(ref).case_manager_id == walk.user_id("luca.ferrari")  # took it in charge
    walk.expect(ref, {"analisi_preliminare": (CM, ASC, walk.in_days(30))})
    assert walk.row(ref, "analisi_preliminare").assignee_id == walk.user_id("luca.ferrari")
    [named] = events(walk, ref, "case_manager_named")
    assert named == {
        "role": "case_manager",
        "to": "luca.ferrari",
        "reason": "took the case in charge",
    }


def test_a_case_moves_from_cremona_to_asc(walk: Walk, refer: Callable[..., str]) -> None:
    """The person moves to Pizzighettone: transfer, audited and notified, tasks move along."""
    ref = refer("adulti")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})  # giulia.rossi takes it
    analisi = walk.task(ref, "analisi_preliminare")
    assert (analisi.organization, analisi.assignee) == (COMUNE, "giulia.rossi")
    with walk.engine.uow() as uow:
        transfer_case(
            uow,
            ref,
            ASC,
            walk.actor("giulia.rossi"),
            reason="trasferita a Pizzighettone",
            comune="Pizzighettone",
            case_manager="luca.ferrari",
        )
    case = walk.case_row(ref)
    assert case.owner_organization_id == walk.org_id(ASC)
    assert case.case_manager_id == walk.user_id("luca.ferrari") and case.comune == "Pizzighettone"
    moved = walk.task(ref, "analisi_preliminare")
    assert (moved.id, moved.organization, moved.assignee) == (analisi.id, ASC, "luca.ferrari")
    [transfer] = events(walk, ref, "case_transferred")
    assert transfer == {
        "from": COMUNE,
        "to": ASC,
        "reason": "trasferita a Pizzighettone",
        "tasks_moved": [analisi.id],
    }
    assert "case_assigned" in notified(walk, "luca.ferrari")
    with walk.engine.uow() as uow, pytest.raises(CaseNotFound):  # the Comune no longer takes part
        case_detail(uow, walk.actor("giulia.rossi"), ref)
    walk.do(ref, "analisi_preliminare", ANALISI)
    walk.expect(ref, {"progetto_sociale": (CM, ASC, walk.in_days(30))})


def test_who_may_transfer_and_where(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("adulti")
    for user, target, error in (
        ("marco.bianchi", ASC, CaseNotFound),  # the CPI does not even see the case yet
        ("luca.ferrari", ASC, CaseNotFound),  # another organisation's case manager
        ("giulia.rossi", "cgil", InvalidInput),  # a union does not own cases
        ("giulia.rossi", "cav_aida", InvalidInput),  # only a restricted case goes to a CAV
        ("giulia.rossi", COMUNE, InvalidInput),  # it owns it already
    ):
        with walk.engine.uow() as uow, pytest.raises(error):
            transfer_case(uow, ref, target, walk.actor(user), reason="prova")
    with walk.engine.uow() as uow, pytest.raises(InvalidInput, match="say why"):
        transfer_case(uow, ref, ASC, walk.actor("giulia.rossi"), reason=" ")
    assert events(walk, ref, "case_transferred") == []
    with walk.engine.uow() as uow:  # a coordinator may; ASC's case managers are told
        transfer_case(uow, ref, ASC, walk.actor("roberto.villa"), reason="competenza")
    assert "case_transferred" in notified(walk, "luca.ferrari")
    assert walk.task(ref, "presa_atto").organization == ASC


def test_changing_the_case_manager_moves_her_tasks(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("adulti", comune="Sospiro")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})  # luca.ferrari of ASC
    with walk.engine.uow() as uow:
        create_user(uow, "sofia.neri", memberships=[(ASC, "case_manager")])
        uow.commit()
    with walk.engine.uow() as uow, pytest.raises(InvalidInput, match="case manager of"):
        set_case_manager(uow, ref, "giulia.rossi", walk.actor("roberto.villa"))
    with walk.engine.uow() as uow, pytest.raises(Forbidden):
        set_case_manager(uow, ref, "sofia.neri", walk.actor("elena.marino"))  # a SIL tutor
    with walk.engine.uow() as uow:
        set_case_manager(uow, ref, "sofia.neri", walk.actor("luca.ferrari"))
    assert walk.case_row(ref).case_manager_id == walk.user_id("sofia.neri")
    assert walk.task(ref, "analisi_preliminare").assignee == "sofia.neri"
    assert "case_assigned" in notified(walk, "sofia.neri")
    assert events(walk, ref, "case_manager_named")[-1]["to"] == "sofia.neri"
