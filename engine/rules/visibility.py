"""Need to know: which earlier answers of a case a reader may see (GDPR art. 9 data).

A form field may declare the roles that may read it: `"x-visibility": ["asst_operator",
"case_manager"]` (on a whole form, it covers every field). A reader holds such a role when they
hold it in the organisation that gave the answer or in the one that owns the case: an ASST
clinical note reaches the ASST and the case's own case managers, not every social worker.
Administrators and auditors (the data protection officer) read everything; so does whoever
gave the answer. Fields a reader may not see are left out of the answer, never blanked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.actors import Actor

VISIBILITY = "x-visibility"
READS_ALL = ("auditor",)

Reader = Callable[[list[str]], bool]


def reader_for(actor: Actor, organizations: set[str | None]) -> Reader:
    """Whether the actor holds one of some roles in one of these organisations."""

    def may_read(roles: list[str]) -> bool:
        if actor.is_admin or any(actor.has_role(r) for r in READS_ALL):
            return True
        return any(actor.has_role(r, org) for r in roles for org in organizations if org)

    return may_read


def _roles(node: dict[str, Any]) -> list[str] | None:
    found = node.get(VISIBILITY)
    if isinstance(found, str):
        return [found]
    return [str(r) for r in found] if isinstance(found, list) else None


def visible(schema: dict[str, Any] | None, data: Any, may_read: Reader) -> Any:
    """The part of `data` (an answer to the form `schema`) the reader may see."""
    if not isinstance(schema, dict) or not isinstance(data, dict):
        return data
    roles = _roles(schema)
    if roles is not None and not may_read(roles):
        return {}
    properties = schema.get("properties") or {}
    shown: dict[str, Any] = {}
    for key, value in data.items():
        prop = properties.get(key)
        if not isinstance(prop, dict):
            shown[key] = value
            continue
        field_roles = _roles(prop)
        if field_roles is not None and not may_read(field_roles):
            continue
        shown[key] = visible(prop, value, may_read) if prop.get("type") == "object" else value
    return shown


def restricted_fields(schema: dict[str, Any] | None) -> bool:
    """Whether a form restricts any of its fields."""
    if not isinstance(schema, dict):
        return False
    if _roles(schema) is not None:
        return True
    return any(restricted_fields(p) for p in (schema.get("properties") or {}).values())
