"""Error pages of the UI: engine and HTTP errors as friendly Italian pages, never tracebacks."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError, Unauthenticated


def _texts(status: int) -> tuple[str, str]:
    """Title and explanation shown for a status."""
    texts = {
        400: (_("Richiesta non valida"), _("La richiesta non può essere elaborata.")),
        403: (_("Accesso negato"), _("Il suo profilo non consente questa operazione.")),
        404: (
            _("Pagina non trovata"),
            _(
                "La pagina richiesta non esiste oppure non è accessibile con il suo profilo. "
                "Verifichi l'indirizzo o torni all'elenco delle attività."
            ),
        ),
        405: (_("Operazione non consentita"), _("Questa pagina non accetta la richiesta.")),
        409: (
            _("Operazione non più possibile"),
            _("Qualcun altro ha modificato questi dati nel frattempo. Ricarichi la pagina."),
        ),
        413: (_("File troppo grande"), _("Il file inviato supera la dimensione consentita.")),
        422: (_("Dati non validi"), _("I dati inviati non sono validi.")),
    }
    return texts.get(
        status,
        (_("Errore del servizio"), _("Si è verificato un errore. Riprovi tra qualche minuto.")),
    )


def error_page(status: int, detail: str | None = None) -> Any:
    title, explanation = _texts(status)
    page = render_template(
        "errors/error.html", status=status, title=title, explanation=explanation, detail=detail
    )
    return page, status


def ui_engine_error(error: EngineError, status: int) -> Any:
    """An engine error on a UI page: log in again, or a page saying what happened."""
    if isinstance(error, Unauthenticated):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    # Not-found pages never echo the engine's detail, so that nothing about a foreign case leaks.
    return error_page(status, None if status in (403, 404, 500) else error.detail)


def ui_http_error(error: HTTPException) -> Any:
    status = error.code or 500
    detail = error.description if status == 400 else None
    return error_page(status, detail)


def init_errors(app: Flask) -> None:
    app.extensions["percorsi_ui_error"] = ui_engine_error
    app.extensions["percorsi_ui_http_error"] = ui_http_error
