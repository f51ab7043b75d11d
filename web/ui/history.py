"""The case's history in words: what happened, to which step (and which item), by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from .labels import EVENTS, label
from .words import SYSTEM_ACTOR, item_label, person_label


@dataclass(frozen=True)
class Entry:
    """One line of the history."""

    at: datetime
    kind: str
    what: str
    step: str
    who: str


def timeline_rows(events: list[dict[str, Any]], names: dict[str, str]) -> list[Entry]:
    """The events of `case_events`, newest first, with element and people named."""
    return [
        Entry(
            at=e["at"],
            kind=e["kind"],
            what=label(EVENTS, e["kind"]) if e["kind"] in EVENTS else str(_("Evento del caso")),
            step=_step(e, names),
            who=_who(e),
        )
        for e in reversed(events)
    ]


def _step(event: dict[str, Any], names: dict[str, str]) -> str:
    """The step an event concerns: the task's own name and item, else the diagram's name."""
    task = event.get("task") or {}
    if task.get("name"):
        item = item_label(task.get("item"))
        return f"{task['name']} — {item}" if item else str(task["name"])
    element = event.get("element_id")
    if not element:
        return ""
    return names.get(element) or str(_("passo non più presente nel diagramma"))


def _who(event: dict[str, Any]) -> str:
    if event.get("actor") == SYSTEM_ACTOR:
        return person_label(SYSTEM_ACTOR)
    return str(event.get("actor_name") or person_label(event.get("actor")))
