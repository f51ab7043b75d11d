"""The main pathway, walked path by path through the engine's commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from engine.errors import Forbidden, FormDataInvalid
from tests.workflows.conftest import ANALISI, CM, COMUNE, Walk, end_of, midnight, referral

PROV = "provincia_cremona"


def test_adi_case_work_ready_to_follow_ups(walk: Walk, refer: Callable[..., str]) -> None:
    """ADI deadlines, CPI pact, two services, the 90-day check, outcome, closure, follow-ups."""
    ref = refer("adulti")
    walk.expect(ref, {"presa_atto": (CM, COMUNE, walk.in_days(7))})
    adi = {"resident": True, "adi": True, "pad_date": "2026-02-01"}
    walk.do(ref, "presa_atto", {**adi, "isee_value": 4200.5, "isee_date": "2026-01-10"})
    # ADI: first meeting within 120 days of the PAD [law]
    walk.expect(ref, {"analisi_preliminare": (CM, COMUNE, end_of("2026-06-01"))})
    assert walk.row(ref, "analisi_preliminare").assignee_id == walk.user_id("giulia.rossi")
    walk.do(ref, "analisi_preliminare", {**ANALISI, "work_ready": True, "gol_cluster": "gol_1"})
    # ADI: the pact within 60 days of the first meeting [law]
    walk.expect(ref, {"patto_servizio_cpi": (["cpi_operator"], PROV, end_of("2026-05-01"))})
    services = [
        {"type": "formazione", "end_date": "2026-09-30"},
        {"type": "orientamento", "end_date": "2026-06-30"},
    ]
    pact = {"patto_date": walk.today(), "pact_kind": "patto_servizio", "services": services}
    walk.do(ref, "patto_servizio_cpi", pact)
    walk.expect(
        ref,
        {
            "avvio_formazione": (["training_tutor"], "cr_forma", walk.in_days(30)),
            "avvio_orientamento": (["cpi_operator"], PROV, walk.in_days(30)),
            "esito_percorso": (CM, COMUNE, end_of("2026-09-30")),
        },
    )
    patto_at = walk.clock.now
    walk.do(ref, "avvio_formazione", {"start_date": walk.today()})
    walk.do(ref, "avvio_orientamento", {"start_date": walk.today()})
    ends = sorted(t.due_at for t in walk.tasks(ref) if t.element_id == "conclusione_servizio")
    assert ends == [midnight("2026-06-30"), midnight("2026-09-30")]

    assert walk.fire(days=89) == 0
    assert "verifica_periodica" not in walk.open_elements(ref)
    walk.clock.now = patto_at + timedelta(days=90, seconds=1)
    assert walk.fire() == 1  # the 90-day check [law]
    review = walk.task(ref, "verifica_periodica")
    assert (review.candidate_groups, review.organization) == (
        ["case_manager", "cav_operator", "equipe_member"],
        COMUNE,
    )
    assert review.due_at == walk.in_days(15)
    walk.do(ref, "verifica_periodica", {"review_date": walk.today(), "on_track": True})
    for task in [t for t in walk.tasks(ref) if t.element_id == "conclusione_servizio"]:
        walk.do(ref, "", {"result": "completato", "end_date": walk.today()}, task_id=task.id)
    exit_day = walk.clock.now.date()
    walk.do(ref, "esito_percorso", {"outcome": "occupato", "exit_date": walk.today()})
    walk.expect(ref, {"chiusura": (CM, COMUNE, walk.in_days(15))})
    walk.do(ref, "chiusura", {"person_informed": True, "data_minimised": True})

    assert walk.tasks(ref) == []
    day28 = midnight((exit_day + timedelta(days=28)).isoformat())
    assert walk.case(ref)["next_wakeup_at"] == day28.isoformat()  # exit + 28 days
    walk.clock.now = day28 - timedelta(hours=1)
    assert walk.fire() == 0
    walk.clock.now = day28 + timedelta(seconds=1)
    assert walk.fire() == 1
    walk.expect(ref, {"followup_28_giorni": (CM, COMUNE, walk.in_days(7))})
    walk.do(ref, "followup_28_giorni", {"contacted": True, "employed": True})
    assert exit_day.isoformat() == "2026-05-31"
    assert walk.case(ref)["next_wakeup_at"] == "2026-11-30T00:00:00+00:00"  # exit + 6 months
    walk.clock.now = midnight("2026-11-30") + timedelta(seconds=1)
    assert walk.fire() == 1
    walk.expect(ref, {"followup_6_mesi": (CM, COMUNE, walk.in_days(7))})
    walk.do(ref, "followup_6_mesi", {"contacted": True, "employed": True})
    assert walk.case(ref)["status"] == "completed"
    assert "end_percorso" in walk.case(ref)["completed_elements"]


def test_adi_requires_a_pad_date_in_the_past(walk: Walk, refer: Callable[..., str]) -> None:
    """ADI without its PAD date, or a PAD date in the future, is refused naming the field."""
    ref = refer("adulti")
    for data, field, code in (
        ({"resident": True, "adi": True}, "pad_date", "required"),
        ({"resident": True, "adi": True, "pad_date": walk.today(1)}, "pad_date", "x-not-after"),
        ({"resident": True, "adi": False, "isee_value": 900}, "isee_date", "required"),
    ):
        with pytest.raises(FormDataInvalid) as refused:
            walk.do(ref, "presa_atto", data)
        assert [(p["field"], p["code"]) for p in refused.value.problems] == [(field, code)]
    assert walk.open_elements(ref) == ["presa_atto"]  # nothing was lost
    walk.do(ref, "presa_atto", {"resident": True, "adi": True, "pad_date": walk.today()})
    assert walk.task(ref, "analisi_preliminare").due_at == end_of("2026-06-30")


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
    ref = refer("giovani", comune="Fuori Ambito")
    walk.expect(ref, {"presa_atto": (CM, COMUNE, walk.in_days(7))})  # the Ambito's lead body
    walk.do(ref, "presa_atto", {"resident": False, "adi": False})
    walk.expect(ref, {"invio_fuori_ambito": (CM, COMUNE, walk.in_days(15))})
    walk.do(ref, "invio_fuori_ambito", {"destination": "Ambito di Lodi", "referrer_informed": True})
    view = walk.case(ref)
    assert view["status"] == "completed"
    assert "end_fuori_ambito" in view["completed_elements"]


def test_violence_referral_from_a_union_desk_is_not_admitted(walk: Walk) -> None:
    """The engine refuses it before any case exists (the model's own check stays as a second
    line for pathways that do not declare the restriction)."""
    with pytest.raises(Forbidden, match="restricted"):
        walk.start("percorso_inclusione", referral("violenza"), organization="cgil")
    assert walk.tasks() == []


def test_simple_social_needs_without_services(walk: Walk, refer: Callable[..., str]) -> None:
    """Social-service project; no service chosen; the yearly timer finds no L. 68 registration."""
    ref = refer("adulti", organization="forum_terzo_settore")
    walk.do(ref, "presa_atto", {"resident": True, "adi": False})
    walk.do(ref, "analisi_preliminare", ANALISI)
    walk.expect(ref, {"progetto_sociale": (CM, COMUNE, walk.in_days(30))})
    pais = {"patto_date": walk.today(), "pact_kind": "pais", "services": []}
    walk.do(ref, "progetto_sociale", pais)
    start = walk.clock.now
    walk.expect(ref, {"esito_percorso": (CM, COMUNE, start.replace(year=2027))})  # P12M
    walk.clock.now = start + timedelta(days=366)
    assert walk.fire() == 1
    elements = walk.open_elements(ref)
    assert elements == ["esito_percorso"] + ["verifica_periodica"] * 4  # no L. 68 update


def test_start_data_is_checked_inside_start_case(walk: Walk) -> None:
    """The referral form's rules hold for any caller of start_case (here the engine itself)."""
    for data, field, code in (
        (referral("adulti", comune="Milano"), "comune", "oneOf"),
        (referral("adulti", date_of_birth="2030-01-01"), "date_of_birth", "x-not-after"),
        (referral("giovani", date_of_birth="1980-01-01"), "date_of_birth", "x-age"),
        (
            referral("violenza", consents={"private_partners": True}),
            "consents.pathway",
            "required",
        ),
        (referral("adulti", date_of_birth="2012-01-01"), "consents.given_by", "enum"),
    ):
        with pytest.raises(FormDataInvalid) as refused:
            walk.start("percorso_inclusione", data, organization="comune_cremona")
        assert (field, code) in [(p["field"], p["code"]) for p in refused.value.problems]
    minor = referral("giovani", date_of_birth="2009-06-01", consents={"given_by": "genitore"})
    assert walk.start("percorso_inclusione", minor, organization="comune_cremona")
