"""Words for what the engine names by code: organisations, pathways, people, parallel items, dates.

Pages never show a code, an id or a username where a person reads: these helpers (Jinja globals
and filters) turn them into names, looked up once per request.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, g
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from engine.commands.accounts import organization_names
from engine.notices.mail import task_heading
from engine.reads.context import page_names, people_names
from engine.reads.modeling import process_names
from engine.store.uow import UnitOfWork
from workflows.catalogue import CATALOGUE
from workflows.network import CAVS

from ..auth import engine

SYSTEM_ACTOR = "system"


def locale() -> str:
    return str(get_locale() or "it")


def _cached(name: str, load: Any) -> Any:
    """A lookup table loaded once per request (organisations, pathways)."""
    if name not in g:
        setattr(g, name, load())
    return getattr(g, name)


def _organizations() -> dict[str, str]:
    with engine().uow(write=False) as uow:
        return organization_names(uow)


def org_label(code: str | None) -> str:
    """An organisation's name ("Comune di Cremona" for comune_cremona)."""
    if not code:
        return ""
    return str(_cached("percorsi_organizations", _organizations).get(code, code))


def _pathways() -> dict[str, str]:
    with engine().uow(write=False) as uow:
        return _with_titles(dict(process_names(uow)))


def _with_titles(names: dict[str, str]) -> dict[str, str]:
    """Deployed processes' names, the bundled pathways' titles in the UI's language over them."""
    english = locale() == "en"
    names.update({p.process_id: p.title_en if english else p.title_it for p in CATALOGUE})
    return names


def pathway_label(process_id: str | None) -> str:
    """A pathway's title in the UI's language (the deployed model's name for others)."""
    if not process_id:
        return ""
    return str(_cached("percorsi_pathways", _pathways).get(process_id, process_id))


def person_label(username: str | None) -> str:
    """A user's full name; the engine's own actions are "Percorsi (automatico)"."""
    if not username:
        return ""
    if username == SYSTEM_ACTOR:
        return str(_("Percorsi (automatico)"))
    known: dict[str, str] = _cached("percorsi_people", dict)
    if username not in known:  # read when first named: an installation has thousands of users
        with engine().uow(write=False) as uow:
            known.update(people_names(uow, {username}))
        known.setdefault(username, username)
    return known[username]


def prime_words(uow: UnitOfWork, people: set[str]) -> None:
    """Load the names a page is about to show in the view's own unit of work: organisations,
    pathways and these people (the viewer among them), one statement each."""
    known: dict[str, str] = _cached("percorsi_people", dict)
    wanted = {p for p in people if p and p != SYSTEM_ACTOR} - known.keys()
    g.percorsi_organizations, processes, named = page_names(uow, wanted)
    g.percorsi_pathways = _with_titles(processes)
    known.update(named)
    known.update((username, username) for username in wanted - known.keys())


def item_label(item: Any) -> str:
    """What a parallel task works on ("Tirocinio di inclusione (SIL)"), in the UI's language."""
    labels = (item or {}).get("label") if isinstance(item, dict) else None
    if not isinstance(labels, dict):
        return ""
    return str(labels.get(locale()) or labels.get("it") or "")


def task_title(task: dict[str, Any]) -> str:
    """A task's name, with its item for one of several parallel tasks."""
    return task_heading(str(task.get("name", "")), item_label(task.get("item")))


def day(value: Any) -> str:
    """A date as Italian offices write it: 12/03/2027 (in both languages)."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""


def number(value: Any) -> str:
    """A number as the UI's language writes it (1.234,5 in Italian)."""
    return str(format_decimal(value)) if isinstance(value, (int, float)) else str(value)


def task_roles(groups: Any, organization: str | None) -> list[str]:
    """The roles of a task's candidate groups that its organisation has: a case's lead is offered
    to case managers and CAV operators alike (whoever owns it), but a Comune has no CAV operators
    and a CAV no social workers."""
    offered = [str(g) for g in groups or []]
    if not organization:
        return offered
    cav = organization in CAVS
    shown = [g for g in offered if g != ("case_manager" if cav else "cav_operator")]
    return shown or offered


def init_words(app: Flask) -> None:
    app.jinja_env.globals.update(
        task_roles=task_roles,
        org_label=org_label,
        pathway_label=pathway_label,
        person_label=person_label,
        item_label=item_label,
        task_title=task_title,
    )
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["number"] = number
