"""The whitelisted helpers and service handlers the diagrams call."""

from __future__ import annotations

from datetime import date

import pytest

from workflows import HELPERS, SERVICES
from workflows.deadlines import due_after, latest_end, max_service_length
from workflows.eligibility import entry_allowed, has_l68_status
from workflows.followup import followup_dates


def test_due_after_counts_calendar_months_and_days() -> None:
    assert due_after("2026-02-01", "P120D") == date(2026, 6, 1)
    assert due_after("2026-10-31", "P4M") == date(2027, 2, 28)


def test_latest_end_or_fallback() -> None:
    services = [{"end_date": "2026-05-01"}, {"end_date": "2026-09-30"}]
    assert latest_end(services, "P12M") == date(2026, 9, 30)
    assert latest_end([], "P12M") == "P12M"


@pytest.mark.parametrize(
    ("service", "group", "disadvantaged", "expected"),
    [
        ("tirocinio_extracurricolare", "adulti", False, "P6M"),
        ("tirocinio_inclusione", "adulti", True, "P12M"),
        ("tirocinio_inclusione", "disabilita", False, "P24M"),
        ("inserimento_coop_b", "disabilita", False, "P5Y"),
        ("orientamento", "giovani", False, "P12M"),
    ],
)
def test_traineeship_maximum_lengths(
    service: str, group: str, disadvantaged: bool, expected: str
) -> None:
    assert max_service_length(service, group, disadvantaged) == expected


def test_unknown_service_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown service type"):
        max_service_length("astrologia", "adulti", False)


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


def test_registries_name_what_the_diagrams_call() -> None:
    assert set(HELPERS) == {
        "due_after",
        "latest_end",
        "max_service_length",
        "entry_allowed",
        "has_l68_status",
    }
    assert set(SERVICES) == {"followup_dates"}
