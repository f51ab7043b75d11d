"""Input the database cannot hold is refused before any use case runs (never a 500).

- NUL characters and lone surrogates in paths, query strings, JSON bodies and file names;
- JSON numbers that are not finite (Python's json reads NaN and Infinity) and nesting deeper
  than MAX_DEPTH;
- integer ids outside a database integer (they name nothing: 404).
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request

from engine.errors import InvalidInput, NotFound

MAX_DEPTH = 32
MAX_ID = 2**31 - 1
MAX_FILENAME = 200


def _bad_text(text: str) -> str | None:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    return None


def _walk(value: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidInput(
            f"JSON nested deeper than {MAX_DEPTH} levels",
            [{"field": path or None, "message": "too deep"}],
        )
    if isinstance(value, str):
        _check(value, path)
    elif isinstance(value, float) and not math.isfinite(value):
        _refuse(path, "must be a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, path)
            _walk(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{path}.{index}" if path else str(index), depth + 1)


def _check(text: str, field: str) -> None:
    problem = _bad_text(text)
    if problem:
        _refuse(field, problem)


def _refuse(field: str, message: str) -> None:
    raise InvalidInput(
        f"{field or 'the body'} {message}", [{"field": field or None, "message": message}]
    )


def _check_path() -> None:
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            raise NotFound(f"no {name.replace('_', ' ')} {value}")
        if isinstance(value, str) and _bad_text(value):
            raise NotFound(f"no {name.replace('_', ' ')} with that name")


def _check_body() -> None:
    if not request.is_json or not request.content_length:
        return
    try:
        body = json.loads(request.get_data(cache=True))
    except RecursionError as exc:
        raise InvalidInput(
            "JSON nested too deeply", [{"field": None, "message": "too deep"}]
        ) from exc
    except ValueError:
        return  # malformed JSON: the argument parser answers 400 with its own words
    _walk(body, "", 0)


def guard_input() -> None:
    """A before_request hook for the API blueprints."""
    _check_path()
    for name, value in request.args.items(multi=True):
        _check(name, name)
        _check(value, name)
    if request.mimetype == "multipart/form-data" and request.files:  # only there: skip parsing
        for field, upload in request.files.items(multi=True):
            name = upload.filename or ""
            _check(name, field)
            if len(name) > MAX_FILENAME:
                _refuse(field, f"file name longer than {MAX_FILENAME} characters")
    _check_body()
