"""The case list ("I miei casi"): the cases the user may see, with their open tasks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale

from engine.reads.caselists import CaseFilter, list_cases_with_tasks
from workflows.catalogue import CATALOGUE
from workflows.network import TARGET_GROUPS

from ..auth import current_actor, engine
from .chrome import read_header
from .fragments import case_rows
from .words import prime_words

bp = Blueprint("case_list", __name__)
VIEWS = ("mine", "all")
STATUSES = ("running", "completed", "cancelled")


def pathway_titles() -> dict[str, str]:
    """The bundled pathways' titles in the user's language, by process id."""
    english = str(get_locale() or "it") == "en"
    return {p.process_id: p.title_en if english else p.title_it for p in CATALOGUE}


def case_filter(args: Any) -> CaseFilter:
    """The engine's filter from the page's query string (open cases unless asked otherwise)."""
    status = args.get("status", "running")
    return CaseFilter(
        status=status if status in STATUSES else None,
        process=args.get("process") or None,
        target_group=args.get("target_group") or None,
        mine=args.get("view", "mine") != "all",
    )


@bp.get("/cases")
def index() -> Any:
    """The user's cases (or all they may see), newest first, one page at a time."""
    actor = current_actor()
    view = request.args.get("view", "mine")
    view = view if view in VIEWS else "mine"
    with engine().uow(write=False) as uow:  # listing a restricted name: an audited write
        f = case_filter(request.args)
        page = list_cases_with_tasks(uow, actor, f, request.args.get("cursor") or None, 25)
        now = uow.now
        read_header(uow, actor)
        prime_words(uow, {actor.username})
    query: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor"}
    return render_template(
        "cases/list.html",
        view=view,
        cases=page.items,
        rows=case_rows(page.items, now),
        now=now,
        args=request.args,
        status=request.args.get("status", "running"),
        statuses=STATUSES,
        target_groups=TARGET_GROUPS,
        pathways=pathway_titles(),
        next_url=url_for("case_list.index", **query, cursor=page.next_cursor)
        if page.next_cursor
        else None,
        first_url=url_for("case_list.index", **query) if request.args.get("cursor") else None,
    )
