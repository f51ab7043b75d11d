"""The sub-pathways (call activities): Garanzia Giovani and disability (L. 68/1999)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.workflows.conftest import CM, COMUNE, Walk, end_of

PROV = "provincia_cremona"
ROUTINE = {"complex_needs": False, "disadvantaged": False}


def to_routing(walk: Walk, ref: str, work_ready: bool = False) -> None:
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    analisi = {"first_meeting_date": "2026-03-02", "work_ready": work_ready, **ROUTINE}
    walk.do(ref, "analisi_preliminare", analisi)


def test_neet_garanzia_giovani_back_to_training(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("giovani", organization="cisl")
    to_routing(walk, ref, work_ready=True)
    # taken in charge within 60 days of joining [law]
    walk.expect(ref, {"gg_presa_in_carico": (["cpi_operator"], PROV, walk.in_days(60))})
    joined = {"gg_joined_on": "2026-03-05", "neet_confirmed": True, "profiling": "alto"}
    walk.do(ref, "gg_presa_in_carico", joined)
    # an offer within 4 months of joining [law]
    walk.expect(ref, {"gg_offerta": (["cpi_operator"], PROV, end_of("2026-07-05"))})
    services = [{"type": "formazione", "end_date": "2026-12-20"}]
    offer = {"offer_type": "formazione", "offer_date": "2026-04-01", "patto_date": "2026-04-01"}
    walk.do(ref, "gg_offerta", {**offer, "services": services})
    walk.expect(ref, {"gg_iscrizione_crforma": (["training_tutor"], "cr_forma", walk.in_days(30))})
    walk.do(ref, "gg_iscrizione_crforma", {"course": "Cucina", "enrolment_date": "2026-04-10"})
    walk.expect(
        ref,
        {
            "avvio_formazione": (["training_tutor"], "cr_forma", walk.in_days(30)),
            "esito_percorso": (CM, COMUNE, end_of("2026-12-20")),
        },
    )


def test_not_neet_gets_an_ordinary_cpi_pact(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("giovani")
    to_routing(walk, ref)
    walk.do(
        ref,
        "gg_presa_in_carico",
        {"gg_joined_on": "2026-03-02", "neet_confirmed": False, "profiling": "basso"},
    )
    walk.expect(ref, {"gg_patto_ordinario": (["cpi_operator"], PROV, walk.in_days(30))})
    pact = {"patto_date": "2026-03-09", "pact_kind": "gol_1", "services": []}
    walk.do(ref, "gg_patto_ordinario", pact)
    assert walk.open_elements(ref) == ["esito_percorso"]


def test_l68_status_registration_agreements_and_yearly_update(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("disabilita", organization="asst_cremona")
    to_routing(walk, ref)
    coll = ["collocamento_operator"]
    walk.expect(ref, {"dis_verifica_l68": (coll, PROV, walk.in_days(30))})
    status = {"civil_invalidity_pct": 30, "work_invalidity_pct": 40, "final_report": True}
    walk.do(ref, "dis_verifica_l68", status)
    walk.expect(ref, {"dis_iscrizione": (coll, PROV, walk.in_days(30))})
    walk.do(ref, "dis_iscrizione", {"registration_date": "2026-03-10", "cpi": "crema"})
    walk.expect(ref, {"dis_inserimento": (coll, PROV, walk.in_days(60))})
    services = [
        {"type": "inserimento_coop_b", "end_date": "2028-03-31"},
        {"type": "convenzione_l68", "end_date": "2028-03-31"},
    ]
    placement = {
        "placement": "convenzione_coop_b",
        "agreement_years": 2,
        "patto_date": "2026-04-01",
    }
    walk.do(ref, "dis_inserimento", {**placement, "services": services})
    walk.expect(
        ref,
        {
            "avvio_inserimento_coop_b": (["coop_tutor"], "confcooperative", walk.in_days(30)),
            "avvio_convenzione_l68": (coll, PROV, walk.in_days(30)),
            "esito_percorso": (CM, COMUNE, end_of("2028-03-31")),
        },
    )
    pact_at = walk.clock.now
    walk.clock.now = pact_at.replace(year=2027) + timedelta(seconds=1)
    assert walk.fire() == 1
    # the registration is updated every year [law]
    update = walk.task(ref, "aggiornamento_l68")
    assert (update.candidate_groups, update.organization) == (coll, PROV)
    assert update.due_at == walk.in_days(30)
    walk.do(ref, "aggiornamento_l68", {"updated_on": "2027-03-20", "still_available": True})
    assert "aggiornamento_l68" not in walk.open_elements(ref)


def test_no_l68_status_sil_traineeship_with_asst(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("disabilita")
    to_routing(walk, ref)
    status = {"civil_invalidity_pct": 45, "work_invalidity_pct": 0, "final_report": True}
    walk.do(ref, "dis_verifica_l68", status)
    walk.expect(
        ref,
        {
            "dis_progetto_sil": (["sil_tutor"], "azienda_sociale_cremonese", walk.in_days(30)),
            "dis_parere_asst": (["asst_operator"], "asst_cremona", walk.in_days(30)),
        },
    )
    walk.do(ref, "dis_parere_asst", {"asst_service": "cps", "supports_traineeship": True})
    assert walk.open_elements(ref) == ["dis_progetto_sil"]
    services = [{"type": "tirocinio_inclusione", "end_date": "2029-01-31"}]
    walk.do(ref, "dis_progetto_sil", {"patto_date": "2026-03-20", "services": services})
    walk.do(ref, "avvio_tirocinio_inclusione", {"start_date": "2026-03-21"})
    started = walk.clock.now
    walk.clock.now = started.replace(year=2028) - timedelta(seconds=1)
    walk.fire()
    assert "conclusione_servizio" in walk.open_elements(ref)
    walk.clock.now = started.replace(year=2028) + timedelta(seconds=1)
    walk.fire()  # a person with disabilities: at most 24 months [law]
    assert "conclusione_servizio" not in walk.open_elements(ref)
