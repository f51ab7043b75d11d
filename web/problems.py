"""The one place where engine errors become HTTP: application/problem+json bodies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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

from .auth import TooManyAttempts

PROBLEM = "application/problem+json"
STATUS: list[tuple[type[EngineError], int]] = [
    (UploadTooLarge, 413),
    (InvalidInput, 422),
    (NotFound, 404),
    (Unauthenticated, 401),
    (TooManyAttempts, 429),
    (Forbidden, 403),
    (Conflict, 409),
]
TITLES = {400: "Malformed request", 413: "Request too large", 422: "Invalid request"}


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
    response = problem(status_of(error), error.title, error.detail, **extra)
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def field_errors(
    messages: Any, location: str | None = None, path: str = ""
) -> Iterator[dict[str, Any]]:
    """Flatten webargs/marshmallow messages ({location: {field: [msg]}}) into a list."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if location is None:
                yield from field_errors(value, str(key), path)
                continue
            name = str(key) if key != "_schema" else ""
            yield from field_errors(value, location, ".".join(p for p in (path, name) if p))
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from field_errors(item, location, path)
    else:
        yield {"field": path or None, "location": location, "message": str(messages)}


def http_problem(error: HTTPException) -> Response:
    """A werkzeug/webargs HTTP error as a problem, with field errors when webargs gave some."""
    code = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, Mapping) else None
    extra: dict[str, Any] = {}
    detail = error.description or error.name
    if messages:
        extra["errors"] = list(field_errors(messages))
        detail = "; ".join(
            f"{e['field'] or e['location']}: {e['message']}" for e in extra["errors"]
        )
    if code == 400 and messages and "json" in messages:
        return problem(400, "Malformed JSON", detail, **extra)
    response = problem(code, TITLES.get(code, error.name), detail, **extra)
    allowed = dict(error.get_headers()).get("Allow")
    if allowed:  # 405 names the methods that are allowed
        response.headers["Allow"] = allowed
    for name, value in (data.get("headers") or {}).items() if isinstance(data, Mapping) else ():
        response.headers[name] = value
    return response


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
        return http_problem(error)
