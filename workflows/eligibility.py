"""Who may enter which pathway (whitelisted helpers for gateway conditions and scripts)."""

from __future__ import annotations

from .network import VIOLENCE_ENTRY

L68_CIVIL_MIN = 46  # civil invalidity, percent
L68_WORK_MIN = 34  # work invalidity, percent


def entry_allowed(target_group: str, referring_organization: str | None) -> bool:
    """A violence referral only comes from a CAV or the social service; others from anyone."""
    if target_group != "violenza":
        return True
    return referring_organization in VIOLENCE_ENTRY


def has_l68_status(civil_invalidity_pct: int, work_invalidity_pct: int, final_report: bool) -> bool:
    """L. 68/1999 status: civil invalidity >= 46% or work invalidity >= 34%, plus the report."""
    qualifies = civil_invalidity_pct >= L68_CIVIL_MIN or work_invalidity_pct >= L68_WORK_MIN
    return bool(final_report) and qualifies
