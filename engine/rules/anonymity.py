"""What anonymising a case keeps: coded values, never identity or free text.

A value is kept when the form that asked for it says it is coded: a choice (`enum`, `const`,
`oneOf`/`anyOf` of constants), a yes/no, a number, or a date. Free text, names, addresses and
notes go; so does any string no form vouches for, except the few the engine itself writes
(the case reference, the referring organisation's code, the target group). That is what the
indicators need: outcomes, dates, choices, counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

ENGINE_KEYS = frozenset({"case_reference", "referring_organization", "target_group", "restricted"})
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?")
_DROP = object()  # a value that does not survive
# Parts of a serialized workflow that hold process data (the rest is its structure); a closed
# case waits for no event and correlates with nothing any more.
STATE_DATA_KEYS = ("data", "internal_data", "delta")
STATE_EMPTIED = {"bpmn_events": list, "correlations": dict}


def _choices(schema: dict[str, Any]) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list) and options and all("const" in o for o in options):
            return [o["const"] for o in options]
    return None


def _keep(value: Any, schema: dict[str, Any] | None) -> Any:
    """The value as anonymised under `schema` (None: no form vouches for it), or _DROP."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        properties = (schema or {}).get("properties") or {}
        kept = {k: _keep(v, properties.get(k)) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not _DROP}
    if isinstance(value, list):
        items = (schema or {}).get("items")
        kept_items = [_keep(v, items if isinstance(items, dict) else None) for v in value]
        return [v for v in kept_items if v is not _DROP]
    if isinstance(value, str):
        choices = _choices(schema) if schema else None
        if choices is not None and value in choices:
            return value
        if _DATE.fullmatch(value):
            return value  # a date on its own names nobody
    return _DROP


def scrub_answers(data: dict[str, Any] | None, form: dict[str, Any] | None) -> dict[str, Any]:
    """A task's answers with only their coded values."""
    kept = _keep(dict(data or {}), form or {"properties": {}})
    return kept if isinstance(kept, dict) else {}


class StateScrubber:
    """Anonymises a case's stored workflow: its data keeps what some form of its version
    codes, or what the engine wrote; its structure (steps, states) is untouched."""

    def __init__(self, forms: Iterable[dict[str, Any]]) -> None:
        self.fields: dict[str, list[dict[str, Any]]] = {}
        for form in forms:
            for name, schema in ((form or {}).get("properties") or {}).items():
                if isinstance(schema, dict):
                    self.fields.setdefault(name, []).append(schema)

    def data(self, data: Any) -> Any:
        if not isinstance(data, dict):
            kept = _keep(data, None)
            return None if kept is _DROP else kept
        out: dict[str, Any] = {}
        for name, value in data.items():
            if name in ENGINE_KEYS and isinstance(value, str | bool | None):
                out[name] = value
                continue
            for schema in self.fields.get(name, [None]):
                kept = _keep(value, schema)
                if kept is not _DROP:
                    out[name] = kept
                    break
        return out

    def state(self, state_json: str) -> str:
        """The serialized workflow with its data anonymised."""
        state = json.loads(state_json)
        self._walk(state)
        return json.dumps(state)

    def _walk(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self._walk(item)
        if not isinstance(node, dict):
            return
        for key, value in list(node.items()):
            if key in STATE_DATA_KEYS:
                node[key] = self.data(value) if key != "delta" else _delta(self, value)
            elif key in STATE_EMPTIED:
                node[key] = STATE_EMPTIED[key]()
            else:
                self._walk(value)


def _delta(scrubber: StateScrubber, delta: Any) -> Any:
    if isinstance(delta, dict):
        return {k: scrubber.data(v) if isinstance(v, dict) else v for k, v in delta.items()}
    return delta


def scrub_event(kind: str, payload: dict[str, Any], form: dict[str, Any] | None) -> dict[str, Any]:
    """An audit event's payload without identity or free text (`form`: its task's form).

    Events carry ids, model element names and operators' usernames; only these kinds carry what
    a person typed or what was said about the subject. A new kind that does must be added here."""
    body = dict(payload)
    if kind == "task_completed" and isinstance(body.get("data"), dict):
        body["data"] = scrub_answers(body["data"], form)
    elif kind == "answer_rectified":
        fields = (form or {}).get("properties") or {}
        body.pop("reason", None)
        body["fields"] = {
            name: {side: _kept_or_none(v, fields.get(name)) for side, v in change.items()}
            for name, change in dict(body.get("fields") or {}).items()
            if isinstance(change, dict)
        }
    elif kind in ("case_cancelled", "case_transferred", "case_manager_named", "consent_withdrawn"):
        body.pop("reason", None)  # typed by a person: may say anything about the subject
    elif kind == "incident_opened":
        body.pop("error", None)
    elif kind == "message_received":
        body.pop("payload", None)
    elif kind == "review_completed" and isinstance(body.get("outcome"), dict):
        body["outcome"] = scrub_answers(body["outcome"], None)
    return body


def _kept_or_none(value: Any, schema: dict[str, Any] | None) -> Any:
    kept = _keep(value, schema)
    return None if kept is _DROP else kept
