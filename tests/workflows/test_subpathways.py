"""The sub-pathways (call activities): Garanzia Giovani and disability (L. 68/1999)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.workflows.conftest import ANALISI, ASC, CM, COMUNE, Walk, end_of

PROV = "provincia_cremona"
COLL = ["collocamento_operator"]


def to_routing(walk: Walk, ref: str, **analisi: object) -> None:
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", {**ANALISI, **analisi})


def test_garanzia_giovani_deadlines_count_from_the_date_of_joining(
    walk: Walk, refer: Callable[..., str]
) -> None:
    """Joined on 10 February: taken in charge by 11 April, an offer by 10 June [law], however
    late the case reached the CPI."""
    ref = refer("giovani", organization="cisl")
    to_routing(walk, ref, work_ready=True, gg_joined_on="2026-02-10")
    walk.expect(ref, {"gg_presa_in_carico": (["cpi_operator"], PROV, end_of("2026-04-11"))})
    walk.do(ref, "gg_presa_in_carico", {"neet_confirmed": True, "profiling": "alto"})
    walk.expect(ref, {"gg_offerta": (["cpi_operator"], PROV, end_of("2026-06-10"))})
    services = [{"type": "formazione", "end_date": "2026-12-20"}]
    offer = {"offer_type": "formazione", "offer_date": walk.today(), "patto_date": walk.today()}
    walk.do(ref, "gg_offerta", {**offer, "services": services})
    walk.expect(ref, {"gg_iscrizione_crforma": (["training_tutor"], "cr_forma", walk.in_days(30))})
    walk.do(ref, "gg_iscrizione_crforma", {"course": "Cucina", "enrolment_date": walk.today()})
    walk.expect(
        ref,
        {
            "avvio_formazione": (["training_tutor"], "cr_forma", walk.in_days(30)),
            "esito_percorso": (CM, COMUNE, end_of("2026-12-20")),
        },
    )


def test_not_yet_joined_the_cpi_records_the_joining_first(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("giovani")
    to_routing(walk, ref)
    walk.expect(ref, {"gg_adesione": (["cpi_operator"], PROV, walk.in_days(30))})
    walk.clock.advance(days=12)
    walk.do(ref, "gg_adesione", {"gg_joined_on": walk.today(-2)})  # joined on 12 March
    walk.expect(ref, {"gg_presa_in_carico": (["cpi_operator"], PROV, end_of("2026-05-11"))})
    walk.do(ref, "gg_presa_in_carico", {"neet_confirmed": True, "profiling": "medio"})
    assert walk.task(ref, "gg_offerta").due_at == end_of("2026-07-12")


def test_over_29_on_joining_gets_an_ordinary_cpi_pact(
    walk: Walk, refer: Callable[..., str]
) -> None:
    """Referred at 29, joined at 30: no Garanzia Giovani offer, whatever the NEET check says."""
    ref = refer("giovani", date_of_birth="1996-03-10")  # 29 when referred
    to_routing(walk, ref)
    walk.clock.advance(days=10)
    walk.do(ref, "gg_adesione", {"gg_joined_on": walk.today()})  # 30 on the day of joining
    walk.do(ref, "gg_presa_in_carico", {"neet_confirmed": True, "profiling": "basso"})
    walk.expect(ref, {"gg_patto_ordinario": (["cpi_operator"], PROV, walk.in_days(30))})
    pact = {"patto_date": walk.today(), "pact_kind": "gol_1", "services": []}
    walk.do(ref, "gg_patto_ordinario", pact)
    assert walk.open_elements(ref) == ["esito_percorso"]


def test_l68_status_registration_agreements_and_yearly_update(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("disabilita", organization="asst_cremona", comune="Soresina")
    to_routing(walk, ref)
    walk.expect(ref, {"dis_verifica_l68": (COLL, PROV, walk.in_days(30))})
    status = {
        "civil_invalidity_pct": 30,
        "work_invalidity_pct": 40,
        "final_report": True,
        "l68_category": "art_1",
    }
    walk.do(ref, "dis_verifica_l68", status)
    walk.expect(ref, {"dis_iscrizione": (COLL, PROV, walk.in_days(30))})
    walk.do(ref, "dis_iscrizione", {"registration_date": walk.today(), "cpi": "soresina"})
    walk.expect(ref, {"dis_inserimento": (COLL, PROV, walk.in_days(60))})
    services = [
        {"type": "inserimento_coop_b", "end_date": "2028-03-31", "cooperative": "coop_il_ponte"},
        {"type": "convenzione_l68", "end_date": "2028-03-31"},
    ]
    placement = {"placement": "convenzione_coop_b", "agreement_years": 2}
    walk.do(ref, "dis_inserimento", {**placement, "patto_date": walk.today(), "services": services})
    # the placement goes to the cooperative chosen in the pact, not to an association
    walk.expect(
        ref,
        {
            "avvio_inserimento_coop_b": (["coop_tutor"], "coop_il_ponte", walk.in_days(30)),
            "avvio_convenzione_l68": (COLL, PROV, walk.in_days(30)),
            "esito_percorso": (CM, ASC, end_of("2028-03-31")),  # a Soresina resident: ASC
        },
    )
    pact_at = walk.clock.now
    walk.clock.now = pact_at.replace(year=2027) + timedelta(seconds=1)
    assert walk.fire() == 1
    # the registration is updated every year [law]
    update = walk.task(ref, "aggiornamento_l68")
    assert (update.candidate_groups, update.organization) == (COLL, PROV)
    assert update.due_at == walk.in_days(30)
    walk.do(ref, "aggiornamento_l68", {"updated_on": walk.today(), "still_available": True})
    assert "aggiornamento_l68" not in walk.open_elements(ref)


def test_no_l68_status_sil_traineeship_with_asst(walk: Walk, refer: Callable[..., str]) -> None:
    """A tirocinio di inclusione lasts up to 24 months (Accordo 22/01/2015), L. 68 or not."""
    ref = refer("disabilita")
    to_routing(walk, ref)
    status = {
        "civil_invalidity_pct": 45,
        "work_invalidity_pct": 0,
        "final_report": True,
        "l68_category": "nessuna",
    }
    walk.do(ref, "dis_verifica_l68", status)
    walk.expect(
        ref,
        {
            "dis_progetto_sil": (["sil_tutor"], ASC, walk.in_days(30)),
            "dis_parere_asst": (["asst_operator"], "asst_cremona", walk.in_days(30)),
        },
    )
    opinion = {"asst_service": "cps", "supports_traineeship": True, "clinical_notes": "stabile"}
    walk.do(ref, "dis_parere_asst", opinion)
    assert walk.open_elements(ref) == ["dis_progetto_sil"]
    services = [{"type": "tirocinio_inclusione", "end_date": "2029-01-31"}]
    walk.do(ref, "dis_progetto_sil", {"patto_date": walk.today(), "services": services})
    walk.do(ref, "avvio_tirocinio_inclusione", TRAINEESHIP | {"start_date": walk.today()})
    started = walk.clock.now
    walk.clock.now = started.replace(year=2028) - timedelta(seconds=1)
    walk.fire()
    assert "conclusione_tirocinio" in walk.open_elements(ref)
    walk.clock.now = started.replace(year=2028) + timedelta(seconds=1)
    walk.fire()  # 24 months: the case manager decides on an extension
    assert "conclusione_tirocinio" not in walk.open_elements(ref)
    proroga = walk.task(ref, "proroga_tirocinio")
    assert (proroga.candidate_groups, proroga.organization) == (CM, COMUNE)
    assert proroga.due_at == walk.in_days(15)
    walk.do(ref, "proroga_tirocinio", {"extend": True, "extension_months": 6, "attested": True})
    extended = walk.clock.now
    assert "conclusione_tirocinio" in walk.open_elements(ref)
    walk.clock.now = extended + timedelta(days=185)
    walk.fire()  # the extension ends too
    walk.do(ref, "proroga_tirocinio", {"extend": False})
    assert "conclusione_tirocinio" not in walk.open_elements(ref)


TRAINEESHIP = {
    "host_organization": "Panificio Esempio",
    "convenzione_date": "2026-03-01",
    "progetto_formativo_date": "2026-03-02",
    "promoter_tutor": "Elena Marino",
    "host_tutor": "Mario Esempio",
    "monthly_allowance": 350,
    "inail": True,
    "co_date": "2026-03-02",
}
