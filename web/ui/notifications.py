"""In-app notifications: the list, and marking them read (the header shows the unread count)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from engine.notices.notifications import list_notifications, mark_all_read, mark_read

from ..auth import current_actor, engine
from .words import item_label

bp = Blueprint("notifications", __name__)
KINDS = {
    "task_emitted": _l("Nuova attività"),
    "task_assigned": _l("Attività assegnata"),
    "task_overdue": _l("Attività scaduta"),
    "task_escalated": _l("Attività in ritardo: segnalata ai coordinatori"),
    "review_opened": _l("Riesame del Comitato tecnico operativo"),
    "task_reminder": _l("Sollecito del Comitato tecnico operativo"),
    "incident": _l("Anomalia su un caso"),
}


def notice_title(item: dict[str, Any]) -> str:
    """A notification's title in the UI's language, from what it is made of (older rows,
    stored before their payload was kept, show their stored Italian title)."""
    payload = item.get("payload") or {}
    kind = KINDS.get(str(payload.get("kind") or item.get("kind")))
    if not payload or kind is None:
        return str(item.get("title", ""))
    text = str(kind)
    if payload.get("task_name"):
        extra = item_label({"label": payload.get("item")})
        text += f" «{payload['task_name']}{f' — {extra}' if extra else ''}»"
    count = int(payload.get("count") or 1)
    return text + (f" ({count})" if count > 1 else "")


@bp.get("/notifications")
def index() -> Any:
    """The user's notifications, newest first."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        page = list_notifications(uow, actor, cursor=request.args.get("cursor") or None)
    return render_template(
        "notifications/index.html",
        notifications=[{**n, "title": notice_title(n)} for n in page.items],
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
