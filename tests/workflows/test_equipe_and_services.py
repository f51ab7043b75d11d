"""Complex needs: the Equipe per case, need to know on its answers, services and their caps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from engine.errors import CaseNotFound
from engine.reads.caseviews import case_detail
from engine.reads.queries import find_case
from engine.reads.taskviews import task_detail
from engine.rules.progress import load_instance
from tests.workflows.conftest import ANALISI, CM, COMUNE, Walk, midnight, referral

ASC = "azienda_sociale_cremonese"
CONTRIBUTORS = [
    "equipe_member",
    "case_manager",
    "cpi_operator",
    "collocamento_operator",
    "asst_operator",
    "sil_tutor",
    "training_tutor",
    "coop_tutor",
]
PARTNERS = ["azienda_sociale_cremonese", "asst_cremona", "coop_il_ponte", "cisl"]
CONTRIBUTION = {"assessment": "fragilita", "proposed_services": ["formazione"]}


def case_data(walk: Walk, ref: str) -> dict[str, object]:
    with walk.engine.uow(write=False) as uow:
        return load_instance(uow, find_case(uow, ref)).data


def to_equipe(walk: Walk, ref: str) -> None:
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", {**ANALISI, "complex_needs": True, "disadvantaged": True})


def contribution_of(walk: Walk, ref: str, org: str) -> int:
    [task] = [
        t for t in walk.tasks(ref) if t.element_id == "contributo_equipe" and t.organization == org
    ]
    return task.id


def history(walk: Walk, task_id: int, user: str) -> dict[str, dict[str, object]]:
    with walk.engine.uow() as uow:
        detail = task_detail(uow, walk.actor(user), task_id)
    return {h["element_id"] + ":" + str(h["id"]): h["data"] for h in detail["history"]}


def test_the_equipe_of_a_case_partners_chosen_missing_one_goes_on(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("adulti", organization="comune_cremona")
    to_equipe(walk, ref)
    walk.expect(ref, {"convocazione_equipe": (CM, COMUNE, walk.in_days(15))})
    meeting = walk.today(10)
    walk.do(ref, "convocazione_equipe", {"equipe_partners": PARTNERS, "meeting_date": meeting})
    due = midnight(meeting)  # contributions are due before the meeting
    found = sorted((t.organization, t.candidate_groups, t.due_at) for t in walk.tasks(ref))
    assert found == sorted((org, CONTRIBUTORS, due) for org in PARTNERS)
    asst = contribution_of(walk, ref, "asst_cremona")
    own = {
        org: contribution_of(walk, ref, org)
        for org in ("azienda_sociale_cremonese", "coop_il_ponte")
    }
    for task_id in own.values():
        walk.do(ref, "", CONTRIBUTION, task_id=task_id)
    notes = {**CONTRIBUTION, "clinical_notes": "in cura presso il CPS"}
    walk.do(ref, "", notes, task_id=asst)
    assert [t.organization for t in walk.tasks(ref)] == ["cisl"]  # the union desk is late

    walk.clock.now = due + timedelta(seconds=1)
    assert walk.fire() == 1  # the meeting: the case goes on without it
    walk.expect(
        ref,
        {
            "sintesi_equipe": (
                CM,
                COMUNE,
                midnight(meeting) + timedelta(days=7, hours=23, minutes=59),
            )
        },
    )
    received = {
        c["organization"]: c["received"] for c in case_data(walk, ref)["equipe_contributions"]
    }  # type: ignore[union-attr, index]
    assert received == {org: org != "cisl" for org in PARTNERS}
    [missing] = [c for c in case_data(walk, ref)["equipe_contributions"] if not c["received"]]  # type: ignore[union-attr, index]
    assert "non pervenuto" in missing["note"]
    closed = [e for e in walk.case(ref)["history"] if e["kind"] == "task_closed"]
    assert [e["element_id"] for e in closed] == ["contributo_equipe"]  # recorded on the case

    # need to know: the ASST's clinical notes reach the ASST and the case manager only
    sintesi = walk.task(ref, "sintesi_equipe").id
    as_cm = history(walk, sintesi, "giulia.rossi")
    assert f"contributo_equipe:{asst}" in as_cm
    assert as_cm[f"contributo_equipe:{asst}"]["clinical_notes"] == "in cura presso il CPS"  # type: ignore[index]
    for user, org in (("luca.ferrari", ASC), ("chiara.galli", "coop_il_ponte")):
        seen = history(walk, own[org], user)[f"contributo_equipe:{asst}"]  # from their own task
        assert "clinical_notes" not in seen and seen["assessment"] == "fragilita"  # type: ignore[operator, index]
    for user, shown in (("roberto.villa", False), ("francesca.lombardi", True)):
        with walk.engine.uow() as uow:  # the audit trail's answers are cut the same way
            from engine.reads.trail import case_events

            events = case_events(uow, walk.actor(user), ref, limit=200).items
        [answer] = [
            e
            for e in events
            if e["payload"].get("task_id") == asst and e["kind"] == "task_completed"
        ]
        assert ("clinical_notes" in answer["payload"]["data"]) is shown

    walk.do(ref, "sintesi_equipe", {"meeting_held_on": walk.today(), "joint_project": True})
    walk.expect(ref, {"patto_congiunto": (CM, COMUNE, walk.in_days(30))})


def test_without_consent_private_partners_get_nothing(walk: Walk) -> None:
    """No consent to share with private partners: their contributions go to the case manager."""
    data = referral("adulti", consents={"given_by": "interessato"})
    ref = walk.start("percorso_inclusione", data, organization="comune_cremona")
    to_equipe(walk, ref)
    partners = ["asst_cremona", "coop_il_ponte", "cgil"]
    walk.do(
        ref, "convocazione_equipe", {"equipe_partners": partners, "meeting_date": walk.today(5)}
    )
    owners = sorted(t.organization or "" for t in walk.tasks(ref))
    assert owners == ["asst_cremona", COMUNE, COMUNE]
    rerouted = [e for e in walk.case(ref)["history"] if e["kind"] == "task_rerouted"]
    assert len(rerouted) == 2
    with walk.engine.uow() as uow:
        from engine.commands.consents import give_consent

        give_consent(uow, ref, "private_partners", walk.actor("giulia.rossi"))
    owners = sorted(t.organization or "" for t in walk.tasks(ref))
    assert owners == ["asst_cremona", "cgil", "coop_il_ponte"]  # given back
    with walk.engine.uow() as uow:
        case_detail(uow, walk.actor("chiara.galli"), ref)  # the cooperative takes part now
    with walk.engine.uow() as uow:
        from engine.commands.consents import withdraw_consent

        withdraw_consent(uow, ref, "private_partners", walk.actor("giulia.rossi"), reason="revoca")
    owners = sorted(t.organization or "" for t in walk.tasks(ref))
    assert owners == ["asst_cremona", COMUNE, COMUNE]  # the sharing stopped at once
    with walk.engine.uow() as uow, pytest.raises(CaseNotFound):
        case_detail(uow, walk.actor("chiara.galli"), ref)


def test_traineeship_caps_follow_the_lombard_rules(walk: Walk, refer: Callable[..., str]) -> None:
    """An extracurricular traineeship of a disadvantaged person: at most 12 months (d.g.r.
    X/7763/2018); no extension is offered for it."""
    ref = refer("adulti", organization="comune_cremona")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", {**ANALISI, "disadvantaged": True})
    service = {"type": "tirocinio_extracurricolare", "end_date": "2027-12-31"}
    pais = {"patto_date": walk.today(), "pact_kind": "pais", "services": [service]}
    walk.do(ref, "progetto_sociale", pais)
    avvio = walk.task(ref, "avvio_tirocinio_extracurricolare")
    assert (avvio.candidate_groups, avvio.organization) == (["cpi_operator"], "provincia_cremona")
    details = {
        "start_date": walk.today(),
        "host_organization": "Officina Esempio",
        "convenzione_date": walk.today(),
        "progetto_formativo_date": walk.today(),
        "promoter_tutor": "Marco Bianchi",
        "host_tutor": "Ada Esempio",
        "monthly_allowance": 500,
        "inail": True,
        "co_date": walk.today(),
        "eqf_level": 3,
    }
    walk.do(ref, "avvio_tirocinio_extracurricolare", details)
    started = walk.clock.now
    walk.clock.now = started.replace(year=2027) - timedelta(seconds=1)
    walk.fire()
    assert "conclusione_tirocinio" in walk.open_elements(ref)
    walk.clock.now = started.replace(year=2027) + timedelta(seconds=1)
    walk.fire()
    assert "conclusione_tirocinio" not in walk.open_elements(ref)
    assert "proroga_tirocinio" not in walk.open_elements(ref)
    results = case_data(walk, ref).get("service_results") or []
    assert results == [] or results == [
        {"type": "tirocinio_extracurricolare", "result": "durata_massima"}
    ]
    assert "esito_percorso" in walk.open_elements(ref)
