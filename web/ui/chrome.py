"""What every page's header shows: the user, their menus, overdue tasks and unread notifications."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from babel import dates
from flask import Flask, g, request, session, url_for
from flask_babel import get_locale, get_timezone
from werkzeug.routing import BuildError

from engine import Actor
from engine.commands.referrals import referring_organizations
from engine.errors import EngineError
from engine.notices.notifications import unread_beside
from engine.reads.subjects import EXPORTERS
from engine.reads.taskviews import TaskFilter, count_open_tasks
from engine.store.uow import UnitOfWork

from ..auth import current_actor, engine
from ..i18n import LANGUAGES

COORDINATOR_PAGES = ("coordinator",)
DASHBOARD_ROLES = ("coordinator", "cabina_viewer")
OVERDUE = TaskFilter(overdue=True)  # the header's count


def viewer() -> Actor | None:
    """The logged-in actor of this page, or None (pages outside the session show no menus)."""
    if not session.get("username"):
        return None
    try:
        return current_actor()
    except EngineError:
        return None


def read_header(uow: UnitOfWork, actor: Actor, filters: tuple[TaskFilter, ...] = ()) -> list[int]:
    """Read the header's counts in the page's own unit of work, with the counts of `filters` on
    open tasks in the same statement, and return the latter (a worklist's tabs)."""
    overdue, *counts, unread = count_open_tasks(
        uow, actor, [OVERDUE, *filters], unread_beside(actor)
    )
    g.percorsi_header = {"overdue": overdue, "unread": unread}
    return counts


def header_counts(actor: Actor) -> dict[str, int]:
    """Overdue tasks of the actor's worklist and unread notifications (read by the page's view,
    or here in a unit of work of their own)."""
    if "percorsi_header" not in g:
        with engine().uow(write=False) as uow:
            read_header(uow, actor)
    counts: dict[str, int] = g.percorsi_header
    return counts


def navigation(actor: Actor) -> list[dict[str, str]]:
    """The main menu: the worklist for everyone with tasks, coordinator pages by role."""
    items = []
    if actor.roles - {"cabina_viewer"} or actor.is_admin:
        items.append({"endpoint": "worklist.index", "label": "worklist"})
        items.append({"endpoint": "case_list.index", "label": "cases"})
    if actor.is_admin or any(actor.has_role(r) for r in COORDINATOR_PAGES):
        items.append({"endpoint": "model_pages.index", "label": "models"})
    if actor.is_admin or any(actor.has_role(r) for r in DASHBOARD_ROLES):
        items.append({"endpoint": "dashboard.index", "label": "dashboard"})
    if actor.is_admin or any(actor.has_role(r) for r in EXPORTERS):
        items.append({"endpoint": "privacy_pages.subjects", "label": "subjects"})
    items.append({"endpoint": "notifications.index", "label": "notifications"})
    return items


def link_to(endpoint: str, **values: Any) -> str | None:
    """url_for that yields None for pages not installed (the coordinator pages are optional)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:  # the blueprint is not registered in this build
        return None


def safe_next(target: str | None, default: str) -> str:
    """A local path to go back to; anything pointing elsewhere becomes `default`."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def local_time(value: datetime | None, fmt: str = "short") -> str:
    """A timestamp in the user's language and the Rome time zone (Babel's own formatter, as
    Flask-Babel's format_datetime calls it, without its per-call configuration lookups)."""
    if value is None:
        return ""
    return _formatted(value, fmt, get_timezone(), get_locale())


@lru_cache(maxsize=4096)
def _formatted(value: datetime, fmt: str, tz: Any, locale: Any) -> str:
    """Babel takes about 70 µs a timestamp, and a page shows the same ones each time it is
    opened (a worklist's due dates, a case's history): each is formatted once per language."""
    return str(dates.format_datetime(value, fmt, tzinfo=tz, locale=locale))


def _context() -> dict[str, Any]:
    actor = viewer()
    return {
        "viewer": actor,
        "header": header_counts(actor) if actor is not None else None,
        "navigation": navigation(actor) if actor is not None else [],
        "may_refer": actor is not None and bool(referring_organizations(actor)),
        "link_to": link_to,
        "languages": LANGUAGES,
        "locale": str(get_locale() or "it"),
        "here": request.full_path.rstrip("?"),
    }


def init_chrome(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.filters["when"] = local_time
