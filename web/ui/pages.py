"""Pages shared by every user: language choice. Other page groups live in their own modules."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from werkzeug.wrappers import Response

from engine.commands.accounts import set_language as remember_language

from ..auth import engine
from ..i18n import LANGUAGES
from .chrome import safe_next, viewer

bp = Blueprint("pages", __name__)


@bp.post("/lang/<code>")
def set_language(code: str) -> Response:
    """Remember the user's language and go back where they were."""
    if code in LANGUAGES:
        session["lang"] = code
        actor = viewer()
        if actor is not None:  # e-mails follow the language chosen in the app
            with engine().uow() as uow:
                remember_language(uow, actor, code)
    return redirect(safe_next(request.form.get("next"), url_for("worklist.index")))
