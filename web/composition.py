"""The composition root: one engine per process, built from settings with the network's glue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import workflows
from engine import Engine, Settings

BUNDLED_MODELS = Path(__file__).resolve().parent.parent / "bpmn"


def build_engine(settings: Settings | None = None, **kwargs: Any) -> Engine:
    """The engine with the bundled processes' script helpers and service handlers."""
    return Engine.from_settings(
        settings, helpers=workflows.HELPERS, services=workflows.SERVICES, **kwargs
    )


def bundled_files(root: Path = BUNDLED_MODELS) -> dict[str, bytes]:
    """The bundled .bpmn, .dmn and forms/*.json files, by name."""
    if not root.is_dir():
        return {}
    paths = [*root.glob("*.bpmn"), *root.glob("*.dmn"), *root.glob("forms/*.json")]
    return {p.name: p.read_bytes() for p in sorted(paths)}
