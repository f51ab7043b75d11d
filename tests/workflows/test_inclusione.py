"""The main pathway, walked path by path through the engine's commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from engine.errors import Forbidden
from tests.workflows.conftest import CM, COMUNE, Walk, end_of, midnight

PROV = "provincia_cremona"
NOT_COMPLEX = {"complex_needs": False, "disadvantaged": False}


def test_adi_case_work_ready_to_follow_ups(walk: Walk, refer: Callable[..., str]) -> None:
    """ADI deadlines, CPI pact, two services, the 90-day check, outcome, closure, follow-ups."""
    ref = refer("adulti")
    walk.expect(ref, {"presa_atto": (CM, COMUNE, walk.in_days(7))})
    walk.do(ref, "presa_atto", {"resident": True, "adi": True, "pad_date": "2026-02-01"})
    # ADI: first meeting within 120 days of the PAD [law]
    walk.expect(ref, {"analisi_preliminare": (CM, COMUNE, end_of("2026-06-01"))})
    analisi = {"first_meeting_date": "2026-03-10", "work_ready": True, **NOT_COMPLEX}
    walk.do(ref, "analisi_preliminare", analisi)
    # ADI: the pact within 60 days of the first meeting [law]
    walk.expect(ref, {"patto_servizio_cpi": (["cpi_operator"], PROV, end_of("2026-05-09"))})
    services = [
        {"type": "formazione", "end_date": "2026-09-30"},
        {"type": "orientamento", "end_date": "2026-06-30"},
    ]
    pact = {"patto_date": "2026-03-20", "pact_kind": "patto_servizio", "services": services}
    walk.do(ref, "patto_servizio_cpi", pact)
    walk.expect(
        ref,
        {
            "avvio_formazione": (["training_tutor"], "cr_forma", walk.in_days(30)),
            "avvio_servizio_cpi": (["cpi_operator"], PROV, walk.in_days(30)),
            "esito_percorso": (CM, COMUNE, end_of("2026-09-30")),
        },
    )
    patto_at = walk.clock.now
    walk.do(ref, "avvio_formazione", {"start_date": "2026-03-25"})
    walk.do(ref, "avvio_servizio_cpi", {"start_date": "2026-03-25"})
    ends = sorted(t.due_at for t in walk.tasks(ref) if t.element_id == "conclusione_servizio")
    assert ends == [midnight("2026-06-30"), midnight("2026-09-30")]

    assert walk.fire(days=89) == 0
    assert "verifica_periodica" not in walk.open_elements(ref)
    walk.clock.now = patto_at + timedelta(days=90, seconds=1)
    assert walk.fire() == 1  # the 90-day check [law]
    review = walk.task(ref, "verifica_periodica")
    assert (review.candidate_groups, review.organization) == (
        ["case_manager", "equipe_member"],
        COMUNE,
    )
    assert review.due_at == walk.in_days(15)
    walk.do(ref, "verifica_periodica", {"review_date": "2026-06-01", "on_track": True})
    for task in [t for t in walk.tasks(ref) if t.element_id == "conclusione_servizio"]:
        walk.do(ref, "", {"result": "completato", "end_date": "2026-09-30"}, task_id=task.id)
    walk.do(ref, "esito_percorso", {"outcome": "occupato", "exit_date": "2026-10-05"})
    walk.expect(ref, {"chiusura": (CM, COMUNE, walk.in_days(15))})
    walk.do(ref, "chiusura", {"person_informed": True, "data_minimised": True})

    assert walk.tasks(ref) == []
    assert walk.case(ref)["next_wakeup_at"] == "2026-11-02T00:00:00+00:00"  # exit + 28 days
    walk.clock.now = midnight("2026-11-01")
    assert walk.fire() == 0
    walk.clock.now = midnight("2026-11-02") + timedelta(seconds=1)
    assert walk.fire() == 1
    walk.expect(ref, {"followup_28_giorni": (CM, COMUNE, walk.in_days(7))})
    walk.do(ref, "followup_28_giorni", {"contacted": True, "employed": True})
    assert walk.case(ref)["next_wakeup_at"] == "2027-04-05T00:00:00+00:00"  # exit + 6 months
    walk.clock.now = midnight("2027-04-05") + timedelta(seconds=1)
    assert walk.fire() == 1
    walk.expect(ref, {"followup_6_mesi": (CM, COMUNE, walk.in_days(7))})
    walk.do(ref, "followup_6_mesi", {"contacted": True, "employed": True})
    assert walk.case(ref)["status"] == "completed"
    assert "end_percorso" in walk.case(ref)["completed_elements"]


def test_overdue_preliminary_assessment_shows_as_overdue(
    walk: Walk, refer: Callable[..., str]
) -> None:
    ref = refer("adulti")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    due = walk.task(ref, "analisi_preliminare").due_at
    assert due == walk.in_days(30)  # 30 days for ordinary cases [proposal]
    walk.clock.advance(days=31)
    overdue = [t for t in walk.tasks(ref) if t.due_at and t.due_at < walk.clock.now]
    assert [t.element_id for t in overdue] == ["analisi_preliminare"]


def test_not_resident_is_routed_out_and_closed(walk: Walk, refer: Callable[..., str]) -> None:
    ref = refer("giovani")
    walk.do(ref, "presa_atto", {"resident": False, "adi": False})
    walk.expect(ref, {"invio_fuori_ambito": (CM, COMUNE, walk.in_days(15))})
    walk.do(ref, "invio_fuori_ambito", {"destination": "Ambito di Lodi", "referrer_informed": True})
    view = walk.case(ref)
    assert view["status"] == "completed"
    assert "end_fuori_ambito" in view["completed_elements"]


def test_violence_referral_from_a_union_desk_is_not_admitted(
    walk: Walk, refer: Callable[..., str]
) -> None:
    """The engine refuses it before any case exists (the model's own check stays as a second
    line for pathways that do not declare the restriction)."""
    with pytest.raises(Forbidden, match="restricted"):
        refer("violenza", organization="cgil")
    assert walk.tasks() == []


def test_simple_social_needs_without_services(walk: Walk, refer: Callable[..., str]) -> None:
    """Social-service project; no service chosen; the yearly timer finds no L. 68 registration."""
    ref = refer("adulti", organization="forum_terzo_settore")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    analisi = {"first_meeting_date": "2026-03-03", "work_ready": False, **NOT_COMPLEX}
    walk.do(ref, "analisi_preliminare", analisi)
    walk.expect(ref, {"progetto_sociale": (CM, COMUNE, walk.in_days(30))})
    walk.do(
        ref, "progetto_sociale", {"patto_date": "2026-03-04", "pact_kind": "pais", "services": []}
    )
    start = walk.clock.now
    walk.expect(ref, {"esito_percorso": (CM, COMUNE, start.replace(year=2027))})  # P12M
    walk.clock.now = start + timedelta(days=366)
    assert walk.fire() == 1
    elements = walk.open_elements(ref)
    assert elements == ["esito_percorso"] + ["verifica_periodica"] * 4  # no L. 68 update
