"""Women victims of violence: restricted from the first step, identity kept apart."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from engine.store.tables import Case, CaseSubject
from tests.workflows.conftest import CM, COMUNE, Walk

CAV, PROV = "cav_aida", "provincia_cremona"
SOFT = [{"after": "P0D", "action": "notify_assignee"}]


def rows(walk: Walk, ref: str) -> tuple[Case, CaseSubject | None]:
    with walk.engine.uow(write=False) as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == ref)).one()
        subject = uow.session.get(CaseSubject, case.id)
        uow.session.expunge_all()
        return case, subject


def to_violence_pathway(walk: Walk, ref: str) -> None:
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    analisi = {"first_meeting_date": "2026-03-03", "complex_needs": True, "work_ready": False}
    walk.do(ref, "analisi_preliminare", {**analisi, "disadvantaged": True})


def test_restricted_from_the_first_step_identity_apart(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("violenza", organization="cav_aida")  # no "restricted" in the start data
    case, subject = rows(walk, ref)
    assert case.restricted is True
    assert walk.open_elements(ref) == ["presa_atto"]  # the first task is already restricted
    assert subject is not None and subject.identity["family_name"] == "Inventata"
    assert "Inventata" not in case.state_json and "Nora" not in case.state_json
    view = walk.case(ref)
    assert view["subject"] == case.subject_pseudonym and view["subject"].startswith("PS-")
    assert "Inventata" not in str(view)


def test_economic_and_work_branches_in_parallel(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("violenza", organization="comune_cremona")
    to_violence_pathway(walk, ref)  # even with complex needs the CAV pathway comes first
    walk.expect(ref, {"vio_presa_in_carico": (["cav_operator"], CAV, walk.in_days(7))})
    first = walk.task(ref, "vio_presa_in_carico")
    assert first.priority == 80  # high
    choice = {"consent_confirmed": True, "safety_plan": True, "employed": True}
    walk.do(ref, "vio_presa_in_carico", {**choice, "wants_work_path": True})
    walk.expect(
        ref,
        {
            "vio_reddito_liberta": (CM, COMUNE, walk.in_days(30)),
            "vio_piano_lavoro": (["cpi_operator"], PROV, walk.in_days(30)),
        },
    )
    statements = {"cav_statement": True, "social_service_statement": True, "months": 12}
    walk.do(ref, "vio_reddito_liberta", {"application_date": "2026-03-10", **statements})
    walk.expect(
        ref,
        {
            "vio_congedo": (["cav_operator"], CAV, walk.in_days(15)),
            "vio_piano_lavoro": (["cpi_operator"], PROV, walk.in_days(30)),
        },
    )
    walk.do(ref, "vio_congedo", {"requested": True, "months": 3, "start_date": "2026-03-15"})
    services = [{"type": "orientamento", "end_date": "2026-07-31"}]
    pact = {"patto_date": "2026-03-20", "pact_kind": "patto_servizio", "services": services}
    walk.do(ref, "vio_piano_lavoro", pact)
    assert walk.open_elements(ref) == ["avvio_servizio_cpi", "esito_percorso"]
    assert rows(walk, ref)[0].restricted is True


def test_not_employed_and_no_work_path(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("violenza", organization="cav_aida")
    to_violence_pathway(walk, ref)
    choice = {"consent_confirmed": True, "safety_plan": False, "employed": False}
    walk.do(ref, "vio_presa_in_carico", {**choice, "wants_work_path": False})
    walk.expect(ref, {"vio_reddito_liberta": (CM, COMUNE, walk.in_days(30))})
    statements = {"cav_statement": True, "social_service_statement": True}
    walk.do(ref, "vio_reddito_liberta", {"application_date": "2026-03-10", **statements})
    assert walk.open_elements(ref) == ["esito_percorso"]


def test_violence_tasks_have_soft_deadlines(walk: Walk, refer: Callable[..., str]) -> None:
    """No legal deadline applies: the ladder only reminds the assignee."""
    from engine.store.tables import HumanTask

    ref = refer("violenza", organization="cav_aida")
    to_violence_pathway(walk, ref)
    with walk.engine.uow(write=False) as uow:
        task = uow.session.get_one(HumanTask, walk.task(ref, "vio_presa_in_carico").id)
        assert task.escalation == SOFT
