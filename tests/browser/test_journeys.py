"""Every bundled pathway carried from referral to closure through the pages, in Chromium.

One case per journey: the main pathway along each route of routing.dmn (the social service's
project, the CPI's service pact, the Equipe's joint pact), Garanzia Giovani, disability with and
without L. 68 status, and violence from the CAV. Each step is done by a demo user holding its
role and organisation, in the page; after each, the case page must list the next tasks with
their role and organisation, and no page may show an id, a key or a Python repr. Timers move
with the engine's clock. One server for the module, over the network, the bundled models and
the demo users (no demo cases); each journey's case closes, so the next one starts clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from engine import Engine
from tests.browser.conftest import CHROMIUM, italian_page, serving
from tests.browser.demo_site import scratch_database
from tests.browser.journey_steps import (
    ASC,
    ASST,
    ASST_OPERATOR,
    CASE_MANAGER,
    CAV,
    CAV_OPERATOR,
    COLLOCAMENTO,
    COMUNE,
    COOP,
    COOP_TUTOR,
    CPI,
    CR_FORMA,
    EQUIPE,
    PROVINCIA,
    SIL_TUTOR,
    START,
    TRAINING_TUTOR,
    Walk,
    hides,
    set_up_network,
)
from tests.browser.words import assert_in_words
from tests.support import FakeClock
from web.app import create_app

pytestmark = pytest.mark.slow


@dataclass
class JourneyLive:
    url: str
    engine: Engine
    clock: FakeClock


@pytest.fixture(scope="module")
def journey_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JourneyLive]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need /usr/bin/chromium (apt-get install chromium)")
    clock = FakeClock(START)
    with scratch_database(tmp_path_factory.mktemp("journeys"), "browser_journeys") as url:
        engine = set_up_network(url, clock)
        app = create_app({"SECRET_KEY": "browser-journeys"}, engine=engine)
        with serving(app) as base:
            yield JourneyLive(base, engine, clock)
        engine.dispose()


@pytest.fixture
def walk(browser: Any, journey_live: JourneyLive) -> Iterator[Walk]:
    with italian_page(browser, journey_live.url) as page:
        yield Walk(page, journey_live.engine, journey_live.clock)


def referral(target_group: str, given: str, family: str, **extra: Any) -> dict[str, Any]:
    """The referral form as a case manager fills it (a resident of Cremona, aged 24)."""
    return {
        "subject": {"given_name": given, "family_name": family},
        "target_group": target_group,
        "comune": "Cremona",
        "date_of_birth": "2002-05-14",
        "sex": "F",
        "citizenship": "italiana",
        "privacy_notice": True,
        "consents": {"private_partners": True, "given_by": "interessato"},
        "urgency": "media",
        "reason": "Chiede un sostegno per trovare lavoro.",
        **extra,
    }


def analysis(w: Walk, complex_needs: bool = False, work_ready: bool = False) -> dict[str, Any]:
    return {
        "first_meeting_date": w.days(0),
        "complex_needs": complex_needs,
        "work_ready": work_ready,
        "disadvantaged": False,
        "employment_status": "disoccupato",
        "did": True,
        "did_date": w.days(-10),
        "needs": ["lavoro", "formazione"],
    }


def intake(w: Walk, target_group: str, given: str, family: str) -> None:
    """Referral, presa d'atto and preliminary analysis, all by the Comune's case manager."""
    w.refer("giulia.rossi", referral(target_group, given, family))
    w.expect_next(("Presa d'atto e verifica di competenza", CASE_MANAGER, COMUNE))
    case = w.case_page()
    assert f"{given} {family}" in case  # the case manager may read the name
    done = w.do("giulia.rossi", "Presa d'atto e verifica di competenza", PRESA)
    assert "Prossimo passo: Analisi preliminare — Comune di Cremona" in done
    w.expect_next(("Analisi preliminare", CASE_MANAGER, COMUNE))


PRESA = {"resident": True, "adi": False}


def service_to_closure(
    w: Walk,
    start: tuple[str, str, dict[str, Any]],
    closing: tuple[str, str, dict[str, Any]],
    lead: str,
    lead_org: str,
    shot: str,
    lead_role: str = CASE_MANAGER,
) -> None:
    """After the pact: the service started by who delivers it and closed by the case's lead,
    the outcome, the closure, and the follow-ups at 28 days and 6 months."""
    who, title, data = start
    w.do(who, title, data)
    closing_who, closing_title, closing_data = closing
    w.expect_next((closing_title, lead_role, lead_org), ("Esito del percorso", lead_role, lead_org))
    w.do(closing_who, closing_title, closing_data)
    w.expect_next(("Esito del percorso", lead_role, lead_org))
    done = w.do(lead, "Esito del percorso", {"outcome": "occupato", "exit_date": w.days(0)})
    assert "Prossimo passo: Chiusura del percorso" in done
    w.expect_next(("Chiusura del percorso", lead_role, lead_org))
    done = w.do(lead, "Chiusura del percorso", {"person_informed": True, "data_minimised": True})
    assert "in attesa fino al" in done and "28 giorni dall'uscita" in done, done
    w.expect_none_open()
    assert "In attesa fino al" in w.case_page()
    w.wait(days=29)
    w.expect_next(("Follow-up a 28 giorni", lead_role, lead_org))
    followup = {"contacted": True, "employed": True, "contract": "determinato"}
    done = w.do(lead, "Follow-up a 28 giorni", followup)
    assert "6 mesi dall'uscita" in done, done
    w.wait(days=160)
    w.expect_next(("Follow-up a 6 mesi", lead_role, lead_org))
    done = w.do(lead, "Follow-up a 6 mesi", followup)
    assert "Il percorso del caso è concluso" in done, done
    w.closed(shot)


def sil_traineeship_to_closure(w: Walk, shot: str) -> None:
    """The SIL traineeship opens beside the outcome: the ASC's SIL tutor starts it, then the
    case manager of the Comune takes the case to closure."""
    w.expect_next(
        ("Avvio: Tirocinio di inclusione (SIL)", SIL_TUTOR, ASC),
        ("Esito del percorso", CASE_MANAGER, COMUNE),
    )
    service_to_closure(
        w,
        ("elena.marino", "Avvio: Tirocinio di inclusione (SIL)", traineeship(w)),
        closing(w, "Conclusione del tirocinio"),
        "giulia.rossi",
        COMUNE,
        shot,
    )


def closing(w: Walk, title: str = "Conclusione del servizio", by: str = "giulia.rossi") -> Any:
    return (by, title, {"result": "completato", "end_date": w.days(0)})


def traineeship(w: Walk) -> dict[str, Any]:
    """The inclusion traineeship's start as the SIL tutor records it."""
    return {
        "start_date": w.days(0),
        "host_organization": "Forno Esempio srl",
        "convenzione_ref": "CONV-123",
        "convenzione_date": w.days(-7),
        "progetto_formativo_date": w.days(-2),
        "promoter_tutor": "Elena Marino",
        "host_tutor": "Tutor aziendale",
        "monthly_allowance": 400,
        "inail": True,
        "co_date": w.days(0),
        "eqf_level": 3,
    }


def pact(w: Walk, kind: str, service: str, days: int = 90, **extra: str) -> dict[str, Any]:
    return {
        "patto_date": w.days(0),
        "pact_kind": kind,
        "services": [{"type": service, "end_date": w.days(days), **extra}],
    }


def test_adults_with_social_needs_get_the_social_service_project(walk: Walk) -> None:
    w = walk
    intake(w, "adulti", "Ada", "Progetto")
    done = w.do("giulia.rossi", "Analisi preliminare", analysis(w))
    assert "Prossimo passo: Progetto personalizzato (PaIS) — Comune di Cremona" in done
    w.expect_next(("Progetto personalizzato (PaIS)", CASE_MANAGER, COMUNE))
    w.do("giulia.rossi", "Progetto personalizzato (PaIS)", pact(w, "pais", "orientamento"))
    w.expect_next(
        ("Avvio: Orientamento", CPI, PROVINCIA), ("Esito del percorso", CASE_MANAGER, COMUNE)
    )
    service_to_closure(
        w,
        ("marco.bianchi", "Avvio: Orientamento", {"start_date": w.days(0)}),
        closing(w),
        "giulia.rossi",
        COMUNE,
        "journey-social-service-closed",
    )


def test_adults_ready_for_work_sign_the_service_pact_at_the_cpi(walk: Walk) -> None:
    w = walk
    intake(w, "adulti", "Bice", "Lavoro")
    done = w.do("giulia.rossi", "Analisi preliminare", analysis(w, work_ready=True))
    assert "Patto di servizio personalizzato (CPI) — Provincia di Cremona" in done
    w.expect_next(("Patto di servizio personalizzato (CPI)", CPI, PROVINCIA))
    service = "accompagnamento_lavoro"
    w.do(
        "marco.bianchi",
        "Patto di servizio personalizzato (CPI)",
        pact(w, "patto_servizio", service),
    )
    w.expect_next(
        ("Avvio: Accompagnamento al lavoro e matching", CPI, PROVINCIA),
        ("Esito del percorso", CASE_MANAGER, COMUNE),
    )
    service_to_closure(
        w,
        ("marco.bianchi", "Avvio: Accompagnamento al lavoro e matching", {"start_date": w.days(0)}),
        closing(w),
        "giulia.rossi",
        COMUNE,
        "journey-cpi-closed",
    )


def test_adults_with_complex_needs_go_through_the_equipe_to_a_joint_pact(walk: Walk) -> None:
    w = walk
    w.steps = "journey-main"  # one screenshot per step of the main pathway
    intake(w, "adulti", "Carla", "Equipe")
    done = w.do("giulia.rossi", "Analisi preliminare", analysis(w, complex_needs=True))
    assert "Convocazione dell'Equipe — Comune di Cremona" in done
    w.expect_next(("Convocazione dell'Equipe", CASE_MANAGER, COMUNE))
    partners = ["asst_cremona", "provincia_cremona", "cr_forma"]
    convocation = {"equipe_partners": partners, "meeting_date": w.days(7)}
    done = w.do("giulia.rossi", "Convocazione dell'Equipe", convocation)
    assert "(3 attività)" in done
    contribution = "Contributo alla valutazione — "
    w.expect_next(
        (contribution + "ASST di Cremona", EQUIPE, ASST),
        (contribution + "Provincia", EQUIPE, PROVINCIA),
        (contribution + "Cr.Forma", EQUIPE, CR_FORMA),
    )
    given = {"assessment": "fragilita", "proposed_services": ["tirocinio_inclusione"]}
    w.do("paolo.ricci", contribution + "ASST di Cremona", given)
    w.do("marco.bianchi", contribution + "Provincia", given)
    w.expect_next((contribution + "Cr.Forma", EQUIPE, CR_FORMA))
    w.wait(days=8)  # the meeting is held: Cr.Forma's contribution is closed as missing
    w.expect_next(("Sintesi dell'Equipe di sistema", CASE_MANAGER, COMUNE))
    history = w.page.locator(".case-timeline").inner_text()
    assert "Attività chiusa dal percorso · Contributo alla valutazione — Cr.Forma" in history
    synthesis = {"meeting_held_on": w.days(-1), "joint_project": True}
    done = w.do("giulia.rossi", "Sintesi dell'Equipe di sistema", synthesis)
    assert "Firma del patto congiunto — Comune di Cremona" in done
    w.expect_next(("Firma del patto congiunto", CASE_MANAGER, COMUNE))
    joint = pact(w, "gol_4", "tirocinio_inclusione", days=180)
    w.do("giulia.rossi", "Firma del patto congiunto", joint)
    sil_traineeship_to_closure(w, "journey-equipe-closed")


def test_a_young_neet_joins_garanzia_giovani_and_goes_back_to_training(walk: Walk) -> None:
    w = walk
    intake(w, "giovani", "Dora", "Giovani")
    done = w.do("giulia.rossi", "Analisi preliminare", analysis(w))
    assert "Adesione a Garanzia Giovani — Provincia di Cremona" in done
    w.expect_next(("Adesione a Garanzia Giovani", CPI, PROVINCIA))
    w.do("marco.bianchi", "Adesione a Garanzia Giovani", {"gg_joined_on": w.days(0)})
    w.expect_next(("Presa in carico Garanzia Giovani", CPI, PROVINCIA))
    taken = {"neet_confirmed": True, "profiling": "medio"}
    w.do("marco.bianchi", "Presa in carico Garanzia Giovani", taken)
    w.expect_next(("Offerta Garanzia Giovani", CPI, PROVINCIA))
    offer = {"offer_type": "formazione", "offer_date": w.days(0), **pact(w, "x", "formazione")}
    del offer["pact_kind"]
    w.do("marco.bianchi", "Offerta Garanzia Giovani", offer)
    w.expect_next(("Iscrizione a Cr.Forma", TRAINING_TUTOR, CR_FORMA))
    course = {"course": "Operatore della ristorazione", "enrolment_date": w.days(0)}
    w.do("davide.greco", "Iscrizione a Cr.Forma", course)
    w.expect_next(
        ("Avvio: Formazione (Cr.Forma)", TRAINING_TUTOR, CR_FORMA),
        ("Esito del percorso", CASE_MANAGER, COMUNE),
    )
    service_to_closure(
        w,
        ("davide.greco", "Avvio: Formazione (Cr.Forma)", {"start_date": w.days(0)}),
        closing(w),
        "giulia.rossi",
        COMUNE,
        "journey-giovani-closed",
    )


def _disability_intake(w: Walk, given: str, family: str, invalidity: int, category: str) -> None:
    intake(w, "disabilita", given, family)
    done = w.do("giulia.rossi", "Analisi preliminare", analysis(w))
    assert "Verifica dello status L. 68 — Provincia di Cremona" in done
    w.expect_next(("Verifica dello status L. 68", COLLOCAMENTO, PROVINCIA))
    status = {
        "civil_invalidity_pct": invalidity,
        "work_invalidity_pct": 0,
        "final_report": True,
        "l68_category": category,
    }
    w.do("sara.colombo", "Verifica dello status L. 68", status)


def test_a_person_with_l68_status_is_placed_in_a_type_b_cooperative(walk: Walk) -> None:
    w = walk
    _disability_intake(w, "Elsa", "Mirato", 67, "art_1")
    w.expect_next(("Iscrizione al collocamento mirato", COLLOCAMENTO, PROVINCIA))
    registration = {"registration_date": w.days(0), "cpi": "cremona"}
    w.do("sara.colombo", "Iscrizione al collocamento mirato", registration)
    w.expect_next(("Convenzione con cooperativa B o tirocinio", COLLOCAMENTO, PROVINCIA))
    placement = {
        "placement": "convenzione_coop_b",
        "agreement_years": 2,
        **pact(w, "x", "inserimento_coop_b", days=365, cooperative="coop_il_ponte"),
    }
    del placement["pact_kind"]
    w.do("sara.colombo", "Convenzione con cooperativa B o tirocinio", placement)
    start = "Avvio: Inserimento in cooperativa sociale di tipo B"
    w.expect_next((start, COOP_TUTOR, COOP), ("Esito del percorso", CASE_MANAGER, COMUNE))
    service_to_closure(
        w,
        ("chiara.galli", start, {"start_date": w.days(0)}),
        closing(w),
        "giulia.rossi",
        COMUNE,
        "journey-disability-l68-closed",
    )


def test_a_person_without_l68_status_gets_an_inclusion_traineeship(walk: Walk) -> None:
    w = walk
    _disability_intake(w, "Fiora", "Senzastatus", 30, "nessuna")
    w.expect_next(
        ("Progetto di tirocinio di inclusione (SIL)", SIL_TUTOR, ASC),
        ("Parere ASST", ASST_OPERATOR, ASST),
    )
    project = pact(w, "x", "tirocinio_inclusione", days=180)
    del project["pact_kind"]
    w.do("elena.marino", "Progetto di tirocinio di inclusione (SIL)", project)
    w.expect_next(("Parere ASST", ASST_OPERATOR, ASST))
    opinion = {"asst_service": "disabilita", "supports_traineeship": True}
    w.do("paolo.ricci", "Parere ASST", opinion)
    sil_traineeship_to_closure(w, "journey-disability-sil-closed")


def test_a_woman_referred_by_the_cav_keeps_her_identity_with_the_cav(walk: Walk) -> None:
    w = walk
    consents = {"private_partners": True, "pathway": True, "given_by": "interessato"}
    reason = "Chiede aiuto per rendersi indipendente."
    w.refer("anna.conti", referral("violenza", "Tecla", "Velata", consents=consents, reason=reason))
    w.expect_next(("Presa in carico da parte del CAV", CAV_OPERATOR, CAV))
    assert w.page.locator("#subject-name").inner_text() == "Tecla Velata"  # the CAV knows her
    intake = {
        "consent_confirmed": True,
        "identity_to_case_manager": False,
        "safety_plan": True,
        "employed": False,
        "wants_work_path": True,
    }
    w.do("anna.conti", "Presa in carico da parte del CAV", intake)
    w.expect_next(
        ("Domanda di Reddito di libertà", CASE_MANAGER, COMUNE),
        ("Orientamento e piano per il lavoro", CPI, PROVINCIA),
    )
    for user, title in (
        ("giulia.rossi", "Domanda di Reddito di libertà"),
        ("marco.bianchi", "Orientamento e piano per il lavoro"),
    ):
        w.open_task(user, title)  # the worklist row, then the task page
        hides(w.page, "Tecla", "Velata", reason)
        contact = w.page.locator("#restricted-contact").inner_text()
        assert "Anna Conti" in contact and CAV in contact
        w.page.goto("/?view=all")
        assert w.page.locator("table.worklist tbody tr").filter(has_text=w.ref).count() >= 1
        hides(w.page, "Tecla", "Velata", reason)
        w.case_page()
        hides(w.page, "Tecla", "Velata", reason)
        w.page.goto("/notifications")  # the notices of her new task
        assert_in_words(w.page)
        hides(w.page, "Tecla", "Velata", reason)
    benefit = {
        "application_date": w.days(0),
        "cav_statement": True,
        "social_service_statement": True,
        "months": 12,
    }
    w.do("giulia.rossi", "Domanda di Reddito di libertà", benefit)
    w.expect_next(("Orientamento e piano per il lavoro", CPI, PROVINCIA))
    plan = pact(w, "patto_servizio", "orientamento", days=60)
    w.do("marco.bianchi", "Orientamento e piano per il lavoro", plan)
    w.expect_next(
        ("Avvio: Orientamento", CPI, PROVINCIA), ("Esito del percorso", CAV_OPERATOR, CAV)
    )
    hides(w.page, "Tecla", "Velata", reason)
    service_to_closure(
        w,
        ("marco.bianchi", "Avvio: Orientamento", {"start_date": w.days(0)}),
        closing(w, by="anna.conti"),
        "anna.conti",
        CAV,
        "journey-violence-closed",
        lead_role=CAV_OPERATOR,
    )


def test_a_young_neet_with_complex_needs_has_garanzia_giovani_beside_the_equipe(
    walk: Walk,
) -> None:
    """Rule 3: the CPI's Garanzia Giovani and the Equipe run side by side; the offer's service
    is written first, the Equipe's synthesis last, and the service is still activated."""
    w = walk
    intake(w, "giovani", "Gemma", "Doppia")
    w.do("giulia.rossi", "Analisi preliminare", analysis(w, complex_needs=True))
    w.expect_next(
        ("Adesione a Garanzia Giovani", CPI, PROVINCIA),
        ("Convocazione dell'Equipe", CASE_MANAGER, COMUNE),
    )
    w.do("marco.bianchi", "Adesione a Garanzia Giovani", {"gg_joined_on": w.days(0)})
    taken = {"neet_confirmed": True, "profiling": "alto"}
    w.do("marco.bianchi", "Presa in carico Garanzia Giovani", taken)
    offer = {"offer_type": "orientamento", "offer_date": w.days(0), **pact(w, "x", "orientamento")}
    del offer["pact_kind"]
    done = w.do("marco.bianchi", "Offerta Garanzia Giovani", offer)
    assert "Convocazione dell'Equipe" in done  # what is left: the Equipe's branch
    w.expect_next(("Convocazione dell'Equipe", CASE_MANAGER, COMUNE))
    convocation = {"equipe_partners": ["provincia_cremona"], "meeting_date": w.days(7)}
    w.do("giulia.rossi", "Convocazione dell'Equipe", convocation)
    contribution = "Contributo alla valutazione — Provincia"
    w.expect_next((contribution, EQUIPE, PROVINCIA))
    given = {"assessment": "risorsa", "proposed_services": ["orientamento"]}
    w.do("marco.bianchi", contribution, given)
    w.expect_next(("Sintesi dell'Equipe di sistema", CASE_MANAGER, COMUNE))
    synthesis = {"meeting_held_on": w.days(0), "joint_project": False}
    w.do("giulia.rossi", "Sintesi dell'Equipe di sistema", synthesis)
    w.expect_next(
        ("Avvio: Orientamento", CPI, PROVINCIA), ("Esito del percorso", CASE_MANAGER, COMUNE)
    )
    service_to_closure(
        w,
        ("marco.bianchi", "Avvio: Orientamento", {"start_date": w.days(0)}),
        closing(w),
        "giulia.rossi",
        COMUNE,
        "journey-giovani-equipe-closed",
    )


def test_a_person_with_disability_and_complex_needs_has_the_equipe_beside_l68(
    walk: Walk,
) -> None:
    """Rule 1: the collocamento mirato's L. 68 steps and the Equipe run side by side; the
    placement's service is written first and still activated after the Equipe's synthesis."""
    w = walk
    intake(w, "disabilita", "Ivo", "Affiancato")
    w.do("giulia.rossi", "Analisi preliminare", analysis(w, complex_needs=True))
    w.expect_next(
        ("Verifica dello status L. 68", COLLOCAMENTO, PROVINCIA),
        ("Convocazione dell'Equipe", CASE_MANAGER, COMUNE),
    )
    status = {
        "civil_invalidity_pct": 70,
        "work_invalidity_pct": 0,
        "final_report": True,
        "l68_category": "art_1",
    }
    w.do("sara.colombo", "Verifica dello status L. 68", status)
    registration = {"registration_date": w.days(0), "cpi": "crema"}
    w.do("sara.colombo", "Iscrizione al collocamento mirato", registration)
    placement = {"placement": "tirocinio", **pact(w, "x", "convenzione_l68", days=300)}
    del placement["pact_kind"]
    w.do("sara.colombo", "Convenzione con cooperativa B o tirocinio", placement)
    w.expect_next(("Convocazione dell'Equipe", CASE_MANAGER, COMUNE))
    convocation = {"equipe_partners": ["asst_cremona"], "meeting_date": w.days(5)}
    w.do("giulia.rossi", "Convocazione dell'Equipe", convocation)
    contribution = "Contributo alla valutazione — ASST di Cremona"
    w.expect_next((contribution, EQUIPE, ASST))
    given = {"assessment": "critica", "proposed_services": ["convenzione_l68"]}
    w.do("paolo.ricci", contribution, given)
    synthesis = {"meeting_held_on": w.days(0), "joint_project": False}
    w.do("giulia.rossi", "Sintesi dell'Equipe di sistema", synthesis)
    start = "Avvio: Convenzione L. 68/1999"
    w.expect_next((start, COLLOCAMENTO, PROVINCIA), ("Esito del percorso", CASE_MANAGER, COMUNE))
    service_to_closure(
        w,
        ("sara.colombo", start, {"start_date": w.days(0)}),
        closing(w),
        "giulia.rossi",
        COMUNE,
        "journey-disability-equipe-closed",
    )
