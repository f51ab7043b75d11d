"""The whitelisted helpers and service handlers the diagrams call."""

from __future__ import annotations

from datetime import date

import pytest

from workflows import HELPERS, SERVICES
from workflows.deadlines import due_after, latest_end, max_service_length, start_of
from workflows.eligibility import age_on, entry_allowed, gg_age_ok, has_l68_status
from workflows.followup import followup_dates
from workflows.ownership import case_owner_for, social_service_for


def test_due_after_counts_calendar_months_and_days() -> None:
    assert due_after("2026-02-01", "P120D") == date(2026, 6, 1)
    assert due_after("2026-10-31", "P4M") == date(2027, 2, 28)


def test_latest_end_or_fallback() -> None:
    services = [{"end_date": "2026-05-01"}, {"end_date": "2026-09-30"}]
    assert latest_end(services, "P12M") == date(2026, 9, 30)
    assert latest_end([], "P12M") == "P12M"


@pytest.mark.parametrize(
    ("service", "l68", "disadvantaged", "eqf", "extension", "expected"),
    [
        # tirocinio extracurricolare, d.g.r. X/7763/2018
        ("tirocinio_extracurricolare", False, False, 3, 0, "P6M"),
        ("tirocinio_extracurricolare", False, False, 4, 0, "P12M"),
        ("tirocinio_extracurricolare", False, True, 2, 0, "P12M"),
        ("tirocinio_extracurricolare", True, True, 2, 0, "P24M"),  # L. 68 status, any group
        # tirocinio di inclusione, Accordo Stato-Regioni 22/01/2015: 24 months, extendable
        ("tirocinio_inclusione", False, True, 0, 0, "P24M"),
        ("tirocinio_inclusione", True, False, 0, 0, "P24M"),
        ("tirocinio_inclusione", False, False, 0, 6, "P6M"),
        ("inserimento_coop_b", True, False, 0, 0, "P5Y"),
        ("orientamento", False, False, 0, 0, "P12M"),
    ],
)
def test_traineeship_maximum_lengths(
    service: str, l68: bool, disadvantaged: bool, eqf: int, extension: int, expected: str
) -> None:
    assert max_service_length(service, l68, disadvantaged, eqf, extension) == expected


def test_unknown_service_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown service type"):
        max_service_length("astrologia", False, False)


def test_l68_status_thresholds() -> None:
    assert has_l68_status(46, 0, True) and has_l68_status(0, 34, True)
    assert not has_l68_status(45, 33, True)
    assert not has_l68_status(80, 0, False)  # no final report of the commission


def test_violence_entry_only_from_a_cav_or_the_social_service() -> None:
    assert entry_allowed("violenza", "cav_aida") and entry_allowed("violenza", "comune_cremona")
    assert not entry_allowed("violenza", "cgil") and not entry_allowed("violenza", None)
    assert entry_allowed("giovani", "cgil")


def test_followup_dates_from_the_exit_date() -> None:
    assert followup_dates({"exit_date": "2026-08-31"}) == {
        "day28": "2026-09-28T00:00:00",
        "month6": "2027-02-28T00:00:00",
    }
    with pytest.raises(ValueError, match="exit_date"):
        followup_dates({})


def test_age_and_garanzia_giovani_eligibility() -> None:
    assert age_on("2000-03-02", "2026-03-01") == 25 and age_on("2000-03-02", "2026-03-02") == 26
    assert gg_age_ok("1996-03-10", "2026-03-09") and not gg_age_ok("1996-03-10", "2026-03-10")
    assert not gg_age_ok("2010-06-01", "2026-05-31")  # 15
    assert not gg_age_ok(None, "2026-03-02")


def test_the_owner_follows_the_comune() -> None:
    assert case_owner_for("adulti", "Cremona", "cgil") == "comune_cremona"
    assert case_owner_for("giovani", "Pizzighettone", "cgil") == "azienda_sociale_cremonese"
    assert case_owner_for("adulti", "Fuori Ambito", "cgil") == "comune_cremona"
    assert case_owner_for("violenza", "Pizzighettone", "comune_cremona") == "cav_aida"
    assert social_service_for("Soresina") == "azienda_sociale_cremonese"
    assert start_of("2026-04-01") == "2026-04-01T00:00:00"


def test_registries_name_what_the_diagrams_call() -> None:
    assert set(HELPERS) == {
        "due_after",
        "start_of",
        "latest_end",
        "max_service_length",
        "entry_allowed",
        "has_l68_status",
        "age_on",
        "gg_age_ok",
        "case_owner_for",
        "social_service_for",
    }
    assert set(SERVICES) == {"followup_dates"}
