"""Per-process glue of the bundled network models: script helpers and service-task handlers.

HELPERS are the only names (besides the engine's standard ones) that model code may call;
SERVICES are the handlers service tasks name in `spiffworkflow:serviceTaskOperator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .deadlines import due_after, latest_end, max_service_length
from .eligibility import entry_allowed, has_l68_status
from .followup import followup_dates

HELPERS: dict[str, Callable[..., Any]] = {
    "due_after": due_after,
    "latest_end": latest_end,
    "max_service_length": max_service_length,
    "entry_allowed": entry_allowed,
    "has_l68_status": has_l68_status,
}
SERVICES: dict[str, Callable[..., Any]] = {
    "followup_dates": followup_dates,
}
