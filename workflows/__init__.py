"""Per-process glue of the bundled network models: script helpers and service-task handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HELPERS: dict[str, Callable[..., Any]] = {}
SERVICES: dict[str, Callable[..., Any]] = {}
