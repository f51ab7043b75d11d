"""Parallel branches keep what each of them wrote, whatever order they finish in.

SpiffWorkflow let the last branch to reach a join overwrite the others with its own copy of the
case data; the journey tests found it: a SIL project written before the ASST opinion lost its
services, and a violence case's work plan written before the Reddito di libertà lost its own.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.workflows.conftest import Walk
from tests.workflows.test_subpathways import to_routing

NO_STATUS = {
    "civil_invalidity_pct": 45,
    "work_invalidity_pct": 0,
    "final_report": True,
    "l68_category": "nessuna",
}
INTAKE = {
    "consent_confirmed": True,
    "identity_to_case_manager": False,
    "safety_plan": True,
    "employed": False,
    "wants_work_path": True,
}


def test_the_sil_project_done_before_the_asst_opinion_activates_its_traineeship(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("disabilita")
    to_routing(walk, ref)
    walk.do(ref, "dis_verifica_l68", NO_STATUS)
    services = [{"type": "tirocinio_inclusione", "end_date": "2029-01-31"}]
    walk.do(ref, "dis_progetto_sil", {"patto_date": walk.today(), "services": services})
    assert walk.open_elements(ref) == ["dis_parere_asst"]
    walk.do(ref, "dis_parere_asst", {"asst_service": "cps", "supports_traineeship": True})
    assert set(walk.open_elements(ref)) == {"avvio_tirocinio_inclusione", "esito_percorso"}


def test_the_work_plan_done_before_the_reddito_di_liberta_activates_its_service(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("violenza", organization="cav_aida")
    walk.do(ref, "vio_presa_in_carico", INTAKE)
    services = [{"type": "orientamento", "end_date": "2027-01-31"}]
    plan = {"patto_date": walk.today(), "pact_kind": "patto_servizio", "services": services}
    walk.do(ref, "vio_piano_lavoro", plan)
    assert walk.open_elements(ref) == ["vio_reddito_liberta"]
    benefit = {
        "application_date": walk.today(),
        "cav_statement": True,
        "social_service_statement": True,
    }
    walk.do(ref, "vio_reddito_liberta", benefit)
    assert set(walk.open_elements(ref)) == {"avvio_orientamento", "esito_percorso"}
