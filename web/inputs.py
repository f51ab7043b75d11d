"""Hostile input is refused at the door, with a clear error instead of a 500.

- A JSON body that does not parse (a 5001-digit integer exceeds Python's int limit) or that
  nests deeper than MAX_DEPTH levels (it would exhaust the recursion of everything after it)
  gets a 400 problem.
- A NUL character, in a query parameter, a form field or anywhere in a JSON body, gets a 422
  naming the field: PostgreSQL cannot store it in text, and no person types it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from engine.errors import InvalidInput

from .problems import wants_problem

MAX_DEPTH = 64


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any, int]]:
    """Every key and value of a JSON document with its path and depth, without recursion."""
    stack: list[tuple[str, Any, int]] = [(path, value, 0)]
    while stack:
        where, node, depth = stack.pop()
        yield where, node, depth
        if isinstance(node, dict):
            for key, item in node.items():
                yield f"{where}.{key}".lstrip("."), key, depth + 1
                stack.append((f"{where}.{key}".lstrip("."), item, depth + 1))
        elif isinstance(node, list):
            stack.extend(
                (f"{where}.{i}".lstrip("."), item, depth + 1) for i, item in enumerate(node)
            )


def _refuse_nul(field: str, text: str) -> None:
    if "\x00" not in text:
        return
    detail = f"{field or 'the request'} contains a NUL character, which is not accepted"
    if not wants_problem():  # a page: the person reads it in their language
        detail = str(_("Il campo «%(field)s» contiene un carattere non ammesso.", field=field))
    raise InvalidInput(
        detail, [{"field": field or None, "code": "control_character", "message": "NUL character"}]
    )


def _malformed(message: str) -> BadRequest:
    """A 400 shaped like webargs' own (the API answers it as "Malformed JSON")."""
    error = BadRequest(message)
    error.data = {"messages": {"json": [message]}}  # type: ignore[attr-defined]
    return error


def check_json_body() -> None:
    """Parse a JSON body once, safely; refuse what is malformed, too deep, or holds a NUL."""
    if not request.is_json or not request.content_length:
        return
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, int digits, nesting
        raise _malformed(f"the JSON body cannot be read: {str(exc)[:200]}") from exc
    for where, node, depth in _walk(body):
        if depth > MAX_DEPTH:
            raise _malformed(f"the JSON body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            _refuse_nul(where, node)


def init_input_guards(app: Flask) -> None:
    """Check every request's query string, form fields and JSON body before its view runs."""

    @app.before_request
    def _guard_input() -> None:
        for key, value in request.args.items(multi=True):
            _refuse_nul(key, key + value)
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in request.form.items(multi=True):
                _refuse_nul(key, key + value)
        check_json_body()
