"""The case's history in words: what happened, to which step (and which item), by whom; the
audited reads folded into one line per reader, with how many times and when last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from engine.notices.mail import task_heading
from engine.reads.trail import History, Reads

from .chrome import local_time
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
    detail: str = ""


def timeline_rows(history: History, names: dict[str, str]) -> list[Entry]:
    """The steps of `case_history` and its readers, newest first, elements and people named
    (a reader's line stands where their last read does)."""
    entries = [
        Entry(
            at=e["at"],
            kind=e["kind"],
            what=_what(e["kind"]),
            step=_step(e, names),
            who=_who(e),
            detail=_detail(e),
        )
        for e in reversed(history.steps)
    ] + [_folded(r) for r in history.reads]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)  # stable: later seq first


def _what(kind: str) -> str:
    return label(EVENTS, kind) if kind in EVENTS else str(_("Evento del caso"))


def _folded(reads: Reads) -> Entry:
    """One reader's audited reads of one kind, as one line."""
    times = ngettext(
        "una volta",
        "%(num)d volte, l'ultima il %(when)s",
        reads.count,
        when=local_time(reads.last_at),
    )
    return Entry(reads.last_at, reads.kind, _what(reads.kind), "", reads.actor_name, times)


def _step(event: dict[str, Any], names: dict[str, str]) -> str:
    """The step an event concerns: the task's own name and item, else the diagram's name."""
    task = event.get("task") or {}
    if task.get("name"):
        return task_heading(str(task["name"]), item_label(task.get("item")))
    element = event.get("element_id")
    if not element:
        return ""
    return names.get(element) or str(_("passo non più presente nel diagramma"))


def _who(event: dict[str, Any]) -> str:
    if event.get("actor") == SYSTEM_ACTOR:
        return person_label(SYSTEM_ACTOR)
    who = str(event.get("actor_name") or person_label(event.get("actor")))
    absent = (event.get("payload") or {}).get("on_behalf_of")
    if absent:
        return str(_("%(who)s, in sostituzione di %(name)s", who=who, name=person_label(absent)))
    return who


def _detail(event: dict[str, Any]) -> str:
    """What the kind alone does not say: versions of a move, who holds a task meanwhile."""
    payload = event.get("payload") or {}
    kind = event.get("kind")
    if kind == "case_migrated":
        return str(
            _(
                "dalla versione %(a)s alla %(b)s",
                a=payload.get("from_version"),
                b=payload.get("to_version"),
            )
        )
    if kind == "task_substituted":
        absent = person_label(payload.get("absent"))
        if payload.get("to"):
            to = person_label(payload.get("to"))
            return str(_("a %(to)s, in sostituzione di %(absent)s", to=to, absent=absent))
        return str(_("al gruppo, in assenza di %(absent)s", absent=absent))
    if kind == "task_given_back":
        return str(_("a %(to)s", to=person_label(payload.get("to"))))
    return ""
