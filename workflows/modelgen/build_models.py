"""Write the bundled models: bpmn/*.bpmn (with DI), bpmn/routing.dmn and bpmn/forms/*.json.

Run with `make models` (or `.venv/bin/python -m tools.build_models`); commit the output.
"""

from __future__ import annotations

import json
from pathlib import Path

from .bpmn_layout import definitions
from .forms_catalogue import FORMS
from .forms_services import SERVICE_FORMS
from .forms_subpathways import SUB_FORMS
from .pathways import inclusione
from .routing import ROUTING_DMN
from .subpathways import disabilita, giovani, violenza

ROOT = Path(__file__).resolve().parents[2] / "bpmn"


def main() -> None:
    """Regenerate every bundled model file."""
    (ROOT / "forms").mkdir(parents=True, exist_ok=True)
    for proc in (inclusione(), giovani(), disabilita(), violenza()):
        (ROOT / f"{proc.id}.bpmn").write_text(definitions(proc), encoding="utf-8")
    (ROOT / "routing.dmn").write_text(ROUTING_DMN, encoding="utf-8")
    for name, schema in {**FORMS, **SERVICE_FORMS, **SUB_FORMS}.items():
        text = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
        (ROOT / "forms" / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
