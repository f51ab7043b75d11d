"""Rettifica: a case manager corrects the answers of a completed task (GDPR art. 16).

The task's recorded answers change, and so do the values the case's steps still to come will
read; steps already taken are not re-run. The audit trail keeps the original: the completion
event is never touched, and the `answer_rectified` event names each field's value before and
after, the reason, and who corrected it.
"""

from __future__ import annotations

from typing import Any

from engine.actors import Actor
from engine.commands.metering import metered
from engine.errors import InvalidInput, TaskNotReady
from engine.rules.access import lock_visible_task
from engine.rules.audit import record
from engine.rules.progress import RUNNING, load_instance, settle
from engine.rules.rectification import require_rectifier
from engine.rules.worklist import COMPLETED, form_schema
from engine.spiff.forms import validate_data
from engine.store.tables import HumanTask
from engine.store.uow import UnitOfWork

RECTIFIED = "answer_rectified"
REASON_MAX = 500


@metered("rectify_answer")
def rectify_answer(
    uow: UnitOfWork, task_id: int, corrected: dict[str, Any], reason: str, actor: Actor
) -> HumanTask:
    """Correct some answers of a completed task, giving the reason; the original stays audited."""
    task, case = lock_visible_task(uow, actor, task_id)
    require_rectifier(uow, actor, case)
    if task.status != COMPLETED or task.kind != "bpmn":
        raise TaskNotReady(f"task {task_id} ({task.name}) has no submitted answers to correct")
    reason = _reason(reason)
    form = form_schema(uow, case, task)
    before = dict(task.data or {})
    after = {**before, **_fields_of(form, corrected)}
    validate_data(form or {}, after, uow.now.date())
    changes = {k: (before.get(k), after[k]) for k in corrected if before.get(k) != after[k]}
    if not changes:
        raise InvalidInput(
            "nothing to correct: every value given is the one recorded",
            [{"field": "data", "message": "unchanged"}],
        )
    uow.update(task, data=after)
    payload = {
        "task_id": task.id,
        "fields": {k: {"before": old, "after": new} for k, (old, new) in changes.items()},
        "reason": reason,
    }
    record(uow, case, RECTIFIED, actor, payload, task.element_id)
    if case.status == RUNNING:
        instance = load_instance(uow, case)
        if instance.correct(changes):
            settle(uow, case, instance, actor)
    uow.commit()
    return task


def _reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise InvalidInput(
            "say why the answer is corrected", [{"field": "reason", "message": "required"}]
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            f"the reason is longer than {REASON_MAX} characters",
            [{"field": "reason", "message": "too long"}],
        )
    return reason


def _fields_of(form: dict[str, Any] | None, corrected: Any) -> dict[str, Any]:
    """The corrected values, each a field of the task's form."""
    if not isinstance(corrected, dict) or not corrected:
        raise InvalidInput(
            "give the corrected values as an object of fields",
            [{"field": "data", "message": "empty"}],
        )
    fields = set((form or {}).get("properties") or {})
    unknown = sorted(set(corrected) - fields)
    if unknown:
        raise InvalidInput(
            f"not fields of the task's form: {', '.join(unknown)}",
            [{"field": f"data.{name}", "message": "not a field of the form"} for name in unknown],
        )
    return dict(corrected)
