"""The worklist, home page of operators: my tasks, my groups' tasks, my organisation's tasks."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from engine import Actor
from engine.commands.accounts import colleagues
from engine.reads.candidates import few_colleagues
from engine.reads.taskviews import TaskFilter, list_tasks, worklist_facets

from ..auth import current_actor, engine
from .chrome import link_to, read_header, safe_next
from .fragments import worklist_rows
from .taskactions import run_bulk
from .words import prime_words

bp = Blueprint("worklist", __name__)
VIEWS = ("mine", "groups", "organization", "all")
FILTERS = ("target_group", "process", "overdue", "week", "cursor")
ROME = ZoneInfo("Europe/Rome")
# Colleagues offered at once for reassigning; an organisation with more is searched by name as
# the operator types (a Comune may have hundreds of users: the page would list them all).
COLLEAGUES_LISTED = 40
COLLEAGUES_FOUND = 15


def end_of_week(now: datetime) -> datetime:
    """Next Monday at midnight, Rome time: what "due this week" means to an operator."""
    local = now.astimezone(ROME)
    monday = local.date() + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(0, 0), ROME)


def task_filter(actor: Actor, args: Any, now: datetime) -> TaskFilter:
    """The engine's filter from the page's query string."""
    view = args.get("view", "mine")
    organization = None
    if view == "organization":
        organization = args.get("org") or min(actor.organizations, default=None)
    return TaskFilter(
        assignee={"mine": "me", "groups": "none"}.get(view),
        organization=organization,
        process=args.get("process") or None,
        target_group=args.get("target_group") or None,
        overdue=True if args.get("overdue") == "1" else None,
        due_before=end_of_week(now) if args.get("week") == "1" else None,
        sort="priority" if args.get("sort") == "priority" else "due",
    )


def tab_filters(actor: Actor, org: str | None, now: datetime) -> tuple[TaskFilter, ...]:
    """Each tab's filter without the page's filters (as its link shows it), in VIEWS' order."""
    return tuple(task_filter(actor, {"view": view, "org": org}, now) for view in VIEWS)


@bp.get("/")
def index() -> Any:
    """The actor's tasks, filtered and sorted, one page at a time."""
    actor = current_actor()
    dashboard = link_to("dashboard.index")
    if dashboard and not actor.is_admin and actor.roles == {"cabina_viewer"}:
        return redirect(dashboard)
    view = request.args.get("view", "mine")
    if view not in VIEWS:
        view = "mine"
    with engine().uow(write=False) as uow:
        f = task_filter(actor, request.args, uow.now)
        page = list_tasks(uow, actor, f, cursor=request.args.get("cursor") or None, limit=25)
        facets = worklist_facets(uow, actor)
        people = few_colleagues(uow, actor, COLLEAGUES_LISTED)
        tabs = tab_filters(actor, request.args.get("org"), uow.now)
        counts = dict(zip(VIEWS, read_header(uow, actor, tabs), strict=True))
        named = {t[k] for t in page.items for k in ("assignee", "substitute_for")}
        prime_words(uow, {actor.username, *named})
    query: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor"}
    return render_template(
        "worklist/index.html",
        view=view,
        tasks=page.items,
        rows=worklist_rows(page.items, actor.username),
        next_url=url_for("worklist.index", **query, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        first_url=url_for("worklist.index", **query) if request.args.get("cursor") else None,
        args=request.args,
        facets=facets,
        people=people or [],
        search_people=people is None,
        counts=counts,
        filtered=any(request.args.get(k) for k in FILTERS),
        organizations=sorted(actor.organizations),
    )


@bp.get("/tasks/colleagues")
def colleague_search() -> Response:
    """Colleagues whose name or username contains `q`, for the reassign field (JSON)."""
    actor = current_actor()
    search = request.args.get("q", "")[:80]
    with engine().uow(write=False) as uow:
        found = colleagues(uow, actor, search, limit=COLLEAGUES_FOUND) if search.strip() else []
    return jsonify([{"username": username, "name": name} for username, name in found])


@bp.post("/tasks/bulk")
def bulk() -> Response:
    """Claim, give back or reassign the ticked tasks; say what happened to each."""
    actor = current_actor()
    action = request.form.get("action", "")
    ids = [int(v) for v in request.form.getlist("task") if v.isdigit()]
    back = safe_next(request.form.get("next"), url_for("worklist.index"))
    if action not in ("claim", "unclaim", "assign") or not ids:
        flash(_("Selezionare almeno un'attività e un'azione."), "warning")
        return redirect(back)
    lines = run_bulk(action, ids, actor, request.form.get("assignee", "").strip())
    flash("; ".join(lines) + ".", "info")
    return redirect(back)
