"""In-app notifications: the list, and marking them read (the header shows the unread count)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.notices.notifications import list_notifications, mark_all_read, mark_read

from ..auth import current_actor, engine

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
def index() -> Any:
    """The user's notifications, newest first."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        page = list_notifications(uow, actor, cursor=request.args.get("cursor") or None)
    return render_template(
        "notifications/index.html",
        notifications=page.items,
        next_url=url_for("notifications.index", cursor=page.next_cursor)
        if page.next_cursor
        else None,
    )


@bp.post("/notifications/<int:notification_id>/read")
def read(notification_id: int) -> Response:
    """Mark one notification read and open what it is about."""
    actor = current_actor()
    with engine().uow() as uow:
        item = mark_read(uow, actor, notification_id)
    if item["task_id"]:
        return redirect(url_for("task_pages.detail", task_id=item["task_id"]))
    if item["case"]:
        return redirect(url_for("case_pages.detail", reference=item["case"]))
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
def read_all() -> Response:
    """Mark every notification read."""
    actor = current_actor()
    with engine().uow() as uow:
        mark_all_read(uow, actor)
    return redirect(url_for("notifications.index"))
