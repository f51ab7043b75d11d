"""Who may enter which pathway (whitelisted helpers for gateway conditions and scripts)."""

from __future__ import annotations

from datetime import date
from typing import Any

from .deadlines import as_date
from .network import VIOLENCE_ENTRY

L68_CIVIL_MIN = 46  # civil invalidity, percent
L68_WORK_MIN = 34  # work invalidity, percent
GG_AGES = (16, 29)  # Garanzia Giovani: young people aged 16-29 (DOMAIN.md) [law]


def entry_allowed(target_group: str, referring_organization: str | None) -> bool:
    """A violence referral only comes from a CAV or the social service; others from anyone."""
    if target_group != "violenza":
        return True
    return referring_organization in VIOLENCE_ENTRY


def has_l68_status(civil_invalidity_pct: int, work_invalidity_pct: int, final_report: bool) -> bool:
    """L. 68/1999 status: civil invalidity >= 46% or work invalidity >= 34%, plus the report."""
    qualifies = civil_invalidity_pct >= L68_CIVIL_MIN or work_invalidity_pct >= L68_WORK_MIN
    return bool(final_report) and qualifies


def age_on(date_of_birth: Any, day: Any) -> int:
    """Full years of age on a day."""
    born, on = as_date(date_of_birth), as_date(day)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def gg_age_ok(date_of_birth: Any, joined_on: Any) -> bool:
    """Garanzia Giovani: aged 16-29 on the day of joining (no date of birth: not eligible)."""
    if not date_of_birth or not joined_on:
        return False
    low, high = GG_AGES
    return low <= age_on(date_of_birth, joined_on) <= high


def is_minor(date_of_birth: Any, day: date) -> bool:
    """Under 18 on the day (a parent or guardian then gives the consents)."""
    return bool(date_of_birth) and age_on(date_of_birth, day) < 18
