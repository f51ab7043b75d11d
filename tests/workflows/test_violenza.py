"""Women victims of violence: a pathway led by the CAV, restricted, identity kept apart."""

from __future__ import annotations

from sqlalchemy import select

from engine.reads.caseviews import case_detail
from engine.store.tables import Case, CaseSubject
from tests.workflows.conftest import CAV, CM, COMUNE, Walk, end_of, referral

PROV = "provincia_cremona"
SOFT = [
    {"after": "P0D", "action": "notify_assignee"},
    {"after": "P7D", "action": "notify_assignee"},
]
TAKEN = {"consent_confirmed": True, "safety_plan": True, "identity_to_case_manager": False}


def rows(walk: Walk, ref: str) -> tuple[Case, CaseSubject | None]:
    with walk.engine.uow(write=False) as uow:
        case = uow.session.scalars(select(Case).where(Case.reference == ref)).one()
        subject = uow.session.get(CaseSubject, case.id)
        uow.session.expunge_all()
        return case, subject


def identity(walk: Walk, ref: str, user: str) -> object:
    with walk.engine.uow() as uow:
        return case_detail(uow, walk.actor(user), ref)["identity"]


def cav_referral(walk: Walk, **extra: object) -> str:
    """anna.conti of the CAV refers a woman."""
    data = referral("violenza", **extra)
    return walk.start("percorso_inclusione", data, as_user="anna.conti", organization=CAV)


def test_a_cav_referral_of_a_non_resident_woman_stays_with_the_cav(walk: Walk) -> None:
    ref = cav_referral(walk, comune="Fuori Ambito")
    case, subject = rows(walk, ref)
    assert case.restricted is True  # from the first step
    assert case.owner_organization_id == walk.org_id(CAV)
    assert case.cav_operator_id == walk.user_id("anna.conti")  # she referred: she leads
    # the CAV takes her in charge first: no competence check, residence closes nothing
    walk.expect(ref, {"vio_presa_in_carico": (["cav_operator"], CAV, walk.in_days(7))})
    assert walk.row(ref, "vio_presa_in_carico").assignee_id == walk.user_id("anna.conti")
    assert subject is not None and subject.identity["family_name"] == "Inventata"
    assert "Inventata" not in case.state_json and "Nora" not in case.state_json
    walk.do(ref, "vio_presa_in_carico", {**TAKEN, "employed": True, "wants_work_path": True})
    # Reddito di libertà (through the social service), leave and work in parallel
    walk.expect(
        ref,
        {
            "vio_reddito_liberta": (["case_manager"], COMUNE, walk.in_days(30)),
            "vio_congedo": (["cav_operator"], CAV, walk.in_days(15)),
            "vio_piano_lavoro": (["cpi_operator"], PROV, walk.in_days(30)),
        },
    )
    statements = {"cav_statement": True, "social_service_statement": True, "months": 12}
    walk.do(ref, "vio_reddito_liberta", {"application_date": walk.today(), **statements})
    walk.do(ref, "vio_congedo", {"requested": True, "months": 3, "start_date": walk.today(3)})
    services = [{"type": "orientamento", "end_date": "2026-07-31"}]
    pact = {"patto_date": walk.today(), "pact_kind": "patto_servizio", "services": services}
    walk.do(ref, "vio_piano_lavoro", pact)
    # the outcome and the follow-ups go to the CAV
    walk.expect(
        ref,
        {
            "avvio_orientamento": (["cpi_operator"], PROV, walk.in_days(30)),
            "esito_percorso": (CM, CAV, end_of("2026-07-31")),
        },
    )
    assert walk.row(ref, "esito_percorso").assignee_id == walk.user_id("anna.conti")
    assert rows(walk, ref)[0].restricted is True


def test_identity_reaches_the_named_cav_operator_and_the_consenting_case_manager(
    walk: Walk,
) -> None:
    ref = walk.start(
        "percorso_inclusione",
        referral("violenza"),
        as_user="giulia.rossi",  # the social service refers her; the CAV leads
        organization=COMUNE,
    )
    case, _subject = rows(walk, ref)
    assert case.owner_organization_id == walk.org_id(CAV)
    assert case.case_manager_id == walk.user_id("giulia.rossi")
    assert case.cav_operator_id is None
    for user in ("giulia.rossi", "anna.conti", "roberto.villa"):
        assert identity(walk, ref, user) is None  # no named CAV operator, no consent yet
    walk.do(ref, "vio_presa_in_carico", {**TAKEN, "employed": False, "wants_work_path": False})
    assert rows(walk, ref)[0].cav_operator_id == walk.user_id("anna.conti")  # took it in charge
    assert identity(walk, ref, "anna.conti") is not None
    assert identity(walk, ref, "giulia.rossi") is None  # she has not consented
    statements = {"cav_statement": True, "social_service_statement": True}
    walk.do(ref, "vio_reddito_liberta", {"application_date": walk.today(), **statements})
    a_year = walk.clock.now.replace(year=walk.clock.now.year + 1)  # no service: P12M
    walk.expect(ref, {"esito_percorso": (CM, CAV, a_year)})
    assert identity(walk, ref, "roberto.villa") is None  # a coordinator never


def test_consent_recorded_in_the_cav_form_shows_her_identity_to_the_case_manager(
    walk: Walk,
) -> None:
    ref = walk.start(
        "percorso_inclusione", referral("violenza"), as_user="giulia.rossi", organization=COMUNE
    )
    consent = {**TAKEN, "identity_to_case_manager": True}
    walk.do(ref, "vio_presa_in_carico", {**consent, "employed": False, "wants_work_path": False})
    assert identity(walk, ref, "giulia.rossi") == {
        "given_name": "Nora",
        "family_name": "Inventata",
    }
    with walk.engine.uow() as uow:
        from engine.reads.trail import case_events

        events = case_events(uow, walk.actor("francesca.lombardi"), ref, limit=200).items
    given = [(e["actor"], e["payload"]["scope"]) for e in events if e["kind"] == "consent_given"]
    assert given == [
        ("giulia.rossi", "private_partners"),  # at the referral
        ("giulia.rossi", "pathway"),
        ("anna.conti", "identity_to_case_manager"),  # recorded by the CAV, in its form
    ]


def test_soft_deadlines_on_every_task_of_the_case(walk: Walk) -> None:
    """No legal deadline applies: the ladder reminds, and never opens a Comitato review."""
    ref = cav_referral(walk)
    walk.do(ref, "vio_presa_in_carico", {**TAKEN, "employed": True, "wants_work_path": False})
    for element in ("vio_reddito_liberta", "vio_congedo"):
        assert walk.row(ref, element).escalation == SOFT
    statements = {"cav_statement": True, "social_service_statement": True}
    walk.do(ref, "vio_reddito_liberta", {"application_date": walk.today(), **statements})
    walk.do(ref, "vio_congedo", {"requested": True})
    assert walk.row(ref, "esito_percorso").escalation == SOFT  # the main pathway's too
