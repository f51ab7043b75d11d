"""The one place where engine errors become HTTP: application/problem+json bodies."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    EngineError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
    UploadTooLarge,
)

PROBLEM = "application/problem+json"
STATUS: list[tuple[type[EngineError], int]] = [
    (UploadTooLarge, 413),
    (InvalidInput, 422),
    (NotFound, 404),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Conflict, 409),
]


def status_of(error: EngineError) -> int:
    """The HTTP status of an engine error (500 for failures of the engine itself)."""
    return next((code for kind, code in STATUS if isinstance(error, kind)), 500)


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """A problem+json response."""
    slug = title.lower().replace(" ", "-")
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="percorsi"'
    return response


def engine_problem(error: EngineError) -> Response:
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidInput) and error.problems:
        extra["errors"] = error.problems
    return problem(status_of(error), error.title, error.detail, **extra)


def wants_problem() -> bool:
    """API clients get problem+json; the UI renders its own error pages."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_problems(app: Flask) -> None:
    """Register the error handlers that turn EngineError and HTTP errors into problems."""

    @app.errorhandler(EngineError)
    def _engine_error(error: EngineError) -> Any:
        handler = app.extensions.get("percorsi_ui_error")
        if handler is not None and not wants_problem():
            return handler(error, status_of(error))
        return engine_problem(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if not wants_problem():
            handler = app.extensions.get("percorsi_ui_http_error")
            return error if handler is None else handler(error)
        code = error.code or 500
        return problem(code, error.name, error.description or error.name)
