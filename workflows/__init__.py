"""Per-process glue of the bundled network models: script helpers and service-task handlers.

HELPERS are the only names (besides the engine's standard ones) that model code may call;
SERVICES are the handlers service tasks name in `spiffworkflow:serviceTaskOperator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .deadlines import due_after, latest_end, max_service_length, start_of
from .eligibility import age_on, entry_allowed, gg_age_ok, has_l68_status
from .followup import followup_dates
from .ownership import case_owner_for, social_service_for

HELPERS: dict[str, Callable[..., Any]] = {
    "due_after": due_after,
    "start_of": start_of,
    "latest_end": latest_end,
    "max_service_length": max_service_length,
    "entry_allowed": entry_allowed,
    "has_l68_status": has_l68_status,
    "age_on": age_on,
    "gg_age_ok": gg_age_ok,
    "case_owner_for": case_owner_for,
    "social_service_for": social_service_for,
}
SERVICES: dict[str, Callable[..., Any]] = {
    "followup_dates": followup_dates,
}
