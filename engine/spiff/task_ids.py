"""Task ids parsed once per restored state.

A stored task's id is written up to four times in a case's state (its key in the task map, its
own `id`, its parent's `children`, its children's `parent`), and SpiffWorkflow parses every one
into a new UUID. While `shared_ids` is active (Runtime.load), each text is parsed once and its one
UUID shared: a quarter of the parsing, and the task map's keys and the tasks' links are then the
same objects, so lookups by a task's parent or child match by identity before comparing values.
Installed once, like the engine clock (clock.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default import workflow as _converters

_PARSED: ContextVar[dict[str, UUID] | None] = ContextVar("percorsi_task_ids", default=None)


def _task_id(text: str) -> UUID:
    """UUID(text), parsed once per restored state while shared_ids is active."""
    parsed = _PARSED.get()
    if parsed is None:
        return UUID(text)
    found = parsed.get(text)
    if found is None:
        found = parsed[text] = UUID(text)
    return found


_converters.UUID = _task_id  # the task and workflow converters' only use of UUID: parsing ids


@contextmanager
def shared_ids() -> Iterator[None]:
    """Parse each task id once while a state is restored (in this thread)."""
    token = _PARSED.set({})
    try:
        yield
    finally:
        _PARSED.reset(token)
