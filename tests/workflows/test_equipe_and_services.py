"""Complex needs: the Equipe di sistema in parallel, then services with their maximum length."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from engine.reads.queries import find_case
from engine.rules.progress import load_instance
from tests.workflows.conftest import CM, COMUNE, Walk

CONTRIBUTIONS = {
    "contributo_sociale": (["equipe_member"], "azienda_sociale_cremonese"),
    "contributo_lavoro": (
        ["equipe_member", "cpi_operator", "collocamento_operator"],
        "provincia_cremona",
    ),
    "contributo_sanitario": (["equipe_member", "asst_operator"], "asst_cremona"),
    "contributo_formazione": (["equipe_member", "training_tutor"], "cr_forma"),
    "contributo_cooperativa": (["equipe_member", "coop_tutor"], "confcooperative"),
}


def case_data(walk: Walk, ref: str) -> dict[str, object]:
    with walk.engine.uow(write=False) as uow:
        return load_instance(uow, find_case(uow, ref)).data


def test_equipe_contributions_run_in_parallel(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("adulti", organization="comune_cremona")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    analisi = {"first_meeting_date": "2026-03-02", "complex_needs": True, "work_ready": False}
    walk.do(ref, "analisi_preliminare", {**analisi, "disadvantaged": True})
    due = walk.in_days(21)  # the Equipe meets every 2-4 weeks [proposal]
    walk.expect(ref, {k: (*v, due) for k, v in CONTRIBUTIONS.items()})
    for n, element in enumerate(CONTRIBUTIONS):
        walk.do(ref, element, {"assessment": "fragilita", "proposed_services": ["formazione"]})
        remaining = [e for e in walk.open_elements(ref) if e.startswith("contributo_")]
        assert len(remaining) == len(CONTRIBUTIONS) - n - 1
    walk.expect(
        ref, {"sintesi_equipe": (["equipe_member", "case_manager"], COMUNE, walk.in_days(30))}
    )
    data = case_data(walk, ref)
    assert {k for k in data if k.startswith("contributo_")} == set(CONTRIBUTIONS)
    walk.do(ref, "sintesi_equipe", {"meeting_date": "2026-03-20", "joint_project": True})
    walk.expect(ref, {"patto_congiunto": (CM, COMUNE, walk.in_days(30))})
    service = {"type": "tirocinio_inclusione", "end_date": "2027-12-31"}
    pact = {"patto_date": "2026-03-25", "pact_kind": "gol_4", "services": [service]}
    walk.do(ref, "patto_congiunto", pact)
    sil = walk.task(ref, "avvio_tirocinio_inclusione")
    assert (sil.candidate_groups, sil.organization) == (["sil_tutor"], "azienda_sociale_cremonese")
    assert sil.due_at == walk.in_days(30)  # first service within 30 days of the patto [proposal]
    walk.do(ref, "avvio_tirocinio_inclusione", {"start_date": "2026-03-26"})
    started = walk.clock.now
    assert "conclusione_servizio" in walk.open_elements(ref)

    # a disadvantaged person's traineeship lasts at most 12 months [law]
    walk.clock.now = started.replace(year=2027) - timedelta(seconds=1)
    walk.fire()
    assert "conclusione_servizio" in walk.open_elements(ref)
    walk.clock.now = started.replace(year=2027) + timedelta(seconds=1)
    walk.fire()
    assert "conclusione_servizio" not in walk.open_elements(ref)
    assert "esito_percorso" in walk.open_elements(ref)
    with walk.engine.uow(write=False) as uow:
        wf = load_instance(uow, find_case(uow, ref)).wf
        results = [t.data.get("service_results") for t in wf.get_tasks()]
    expected = [{"type": "tirocinio_inclusione", "result": "durata_massima"}]
    assert [r for r in results if r] and all(r == expected for r in results if r)
