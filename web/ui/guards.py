"""Who may open the coordinator pages, and the pages shown when they may not."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext as _

from engine.errors import Forbidden, InvalidInput, NotFound, Unauthenticated

from ..problems import engine_problem, wants_problem


def _wants_json() -> bool:
    return wants_problem() or request.is_json


def _login(error: Unauthenticated) -> Any:
    if _wants_json():
        return engine_problem(error)
    return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/?=&"))


def _forbidden(error: Forbidden) -> Any:
    if _wants_json():
        return engine_problem(error)
    message = _("Questa pagina è riservata ai coordinatori della rete e alla Cabina di Regia.")
    return render_template(
        "coordination/error.html", title=_("Accesso non consentito"), message=message
    ), 403


def _not_found(error: NotFound) -> Any:
    if _wants_json():
        return engine_problem(error)
    return render_template(
        "coordination/error.html", title=_("Non trovato"), message=error.detail
    ), 404


def _invalid(error: InvalidInput) -> Any:
    if _wants_json():
        return engine_problem(error)
    return render_template(
        "coordination/error.html", title=_("Richiesta non valida"), message=error.detail
    ), 422


def install_error_pages(bp: Blueprint) -> None:
    """Engine errors in this blueprint become pages (or problem+json for fetch calls)."""
    bp.register_error_handler(Unauthenticated, _login)
    bp.register_error_handler(Forbidden, _forbidden)
    bp.register_error_handler(NotFound, _not_found)
    bp.register_error_handler(InvalidInput, _invalid)
