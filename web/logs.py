"""Structured logs: one JSON object per line, one line per request and per command, each with the
request id; never personal data.

What keeps personal data out: a request line names the method, the route's path without its
query string, the status, the time and the user's id; a command line names the command, its
outcome and time; an exception is logged as its type and where it was raised, never its message
(a validation message can quote what someone typed). The request id comes from a well-formed
`X-Request-ID` header (a proxy's), or is made here, and is sent back in the response.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from engine import Settings
from engine.errors import ConfigurationError

REQUEST_ID: ContextVar[str | None] = ContextVar("percorsi_request_id", default=None)
HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
FIELDS = (
    "event",
    "method",
    "path",
    "endpoint",
    "status",
    "duration_ms",
    "user_id",
    "command",
    "outcome",
)
requests_log = logging.getLogger("percorsi.request")
commands_log = logging.getLogger("percorsi.command")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message, known fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = _error(record.exc_info[1])
        return json.dumps(entry, default=str, ensure_ascii=False)


def _error(exc: BaseException | None) -> dict[str, Any]:
    """An exception's type and the frames it went through, without its message."""
    if exc is None:
        return {}
    frames = traceback.extract_tb(exc.__traceback__)[-8:]
    return {
        "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "at": [
            f"{f.filename.rsplit('/site-packages/', 1)[-1]}:{f.lineno} {f.name}" for f in frames
        ],
    }


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal (PERCORSI_LOG_FORMAT=text), with the same care."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(
            f"{name}={getattr(record, name)}"
            for name in FIELDS
            if getattr(record, name, None) is not None
        )
        text = f"{self.formatTime(record)} {record.levelname} {record.name}: {record.getMessage()}"
        request_id = REQUEST_ID.get()
        if record.exc_info and record.exc_info[0] is not None:
            fields += f" error={_error(record.exc_info[1]).get('type')}"
        return " ".join(p for p in (text, fields, f"rid={request_id}" if request_id else "") if p)


def formatter(settings: Settings) -> logging.Formatter:
    """The formatter PERCORSI_LOG_FORMAT asks for."""
    if settings.log_format == "json":
        return JsonFormatter()
    if settings.log_format == "text":
        return TextFormatter()
    raise ConfigurationError(
        f"PERCORSI_LOG_FORMAT={settings.log_format!r} is not one of: json, text"
    )


def configure_logging(settings: Settings) -> None:
    """Send every log record to stderr in the chosen format (servers and the scheduler)."""
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        raise ConfigurationError(
            f"PERCORSI_LOG_LEVEL={settings.log_level!r} is not one of: debug, info, warning, error"
        )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(settings))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # APScheduler logs every job run at INFO: the scheduler's passes are metrics instead.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))


def log_command(name: str, outcome: str, seconds: float) -> None:
    """One line per command."""
    commands_log.info(
        "command %s: %s",
        name,
        outcome,
        extra={
            "event": "command",
            "command": name,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 2),
        },
    )


def init_request_logging(app: Flask) -> None:
    """Give each request an id and write one line when it ends."""

    @app.before_request
    def _begin() -> None:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if _WELL_FORMED.fullmatch(offered) else uuid.uuid4().hex
        g.request_began = time.perf_counter()
        g.request_token = REQUEST_ID.set(g.request_id)

    @app.after_request
    def _end(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id is None:
            return response
        response.headers[HEADER] = request_id
        seconds = time.perf_counter() - g.get("request_began", time.perf_counter())
        actor = g.get("actor")
        requests_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "event": "request",
                "method": request.method,
                "path": request.path,
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "user_id": getattr(actor, "user_id", None),
            },
        )
        observe = app.extensions.get("percorsi_request_observer")
        if observe is not None:
            observe(request.method, response.status_code, seconds)
        return response

    @app.teardown_request
    def _forget(_error: BaseException | None) -> None:
        token = g.pop("request_token", None)
        if token is not None:
            REQUEST_ID.reset(token)
