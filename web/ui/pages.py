"""Pages shared by every user: language choice. Other page groups live in their own modules."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from werkzeug.wrappers import Response

from ..i18n import LANGUAGES
from .chrome import safe_next

bp = Blueprint("pages", __name__)


@bp.post("/lang/<code>")
def set_language(code: str) -> Response:
    """Remember the user's language and go back where they were."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next"), url_for("worklist.index")))
