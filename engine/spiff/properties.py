"""Percorsi's task metadata, read from `spiffworkflow:properties` (and the lane)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.durations import is_duration, parse_duration
from engine.spiff.code_checks import code_problem, refusal
from engine.spiff.element_labels import Label
from engine.spiff.structure import named_problem

ESCALATION_ACTIONS = ("notify_assignee", "notify_group", "notify_coordinators", "review_task")
PRIORITY_NAMES = {"low": 10, "normal": 50, "high": 80, "urgent": 100}
# `assignee`: a named person of the case the task goes to when it opens (`named`: whichever of
# them may do it).
NAMED_PEOPLE = ("named", "case_manager", "cav_operator")
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_PRIORITY = 1000


@dataclass(frozen=True)
class TaskProperties:
    """What the worklist needs to know about a user or manual task."""

    candidate_groups: tuple[str, ...] = ()
    organization: str | None = None
    due_in: str | None = None
    form_key: str | None = None
    priority: int = PRIORITY_NAMES["normal"]
    escalation: tuple[dict[str, str], ...] | None = None
    assignee: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def organization_is_name(self) -> bool:
        """`organization` is one bare name: an organisation code, or a name of the case data."""
        return bool(self.organization and PLAIN_NAME.fullmatch(self.organization))


class LadderInvalid(ValueError):
    """An escalation ladder that does not parse; `code` and `value` say which step and why (a
    problem code of engine/spiff/structure.py)."""

    def __init__(self, message: str, code: str, value: str) -> None:
        super().__init__(message)
        self.code, self.value = code, value


def parse_escalation(text: str) -> tuple[dict[str, str], ...]:
    """Parse 'P0D:notify_assignee,P3D:notify_coordinators,...' into ladder steps."""
    steps = []
    for chunk in filter(None, (c.strip() for c in text.split(","))):
        after, _, action = chunk.partition(":")
        try:
            parse_duration(after)
        except ValueError as exc:
            raise LadderInvalid(str(exc), "bad_escalation_delay", after.strip()[:40]) from exc
        if action not in ESCALATION_ACTIONS:
            raise LadderInvalid(
                f"unknown escalation action {action!r}; use one of {', '.join(ESCALATION_ACTIONS)}",
                "bad_escalation_action",
                action,
            )
        steps.append({"after": after.strip().upper(), "action": action})
    return tuple(steps)


def resolve_form(form_key: str, forms: dict[str, Any]) -> str | None:
    """The stored name of a form key ('segnalazione' or 'segnalazione.json'), if present."""
    for candidate in (form_key, f"{form_key}.json"):
        if candidate in forms:
            return candidate
    return None


def parse_properties(
    task_spec: Any, forms: dict[str, Any], filename: str = "", label: Label | None = None
) -> tuple[TaskProperties, list[dict[str, Any]]]:
    """Read one task's properties; also return the problems found (for deploy errors: in
    `filename`, the task said by its `label`)."""
    raw: dict[str, str] = dict(getattr(task_spec, "extensions", {}).get("properties", {}))
    element = task_spec.bpmn_id
    name = str(getattr(task_spec, "bpmn_name", None) or element)
    problems: list[dict[str, Any]] = []

    def problem(code: str, value: str, detail: str = "") -> None:
        found = named_problem(filename, element, name, code, value, label=label, detail=detail)
        problems.append(found)

    def check(kind: str, source: str) -> None:
        """The expression of property `kind` compiles, else a problem says where it does not."""
        if (found := refusal(source, expression=True)) is not None:
            problems.append(code_problem(filename, element, name, kind, found, label))

    groups = tuple(g.strip() for g in raw.pop("candidateGroups", "").split(",") if g.strip())
    if not groups and getattr(task_spec, "lane", None):
        groups = (str(task_spec.lane),)
    due_in = raw.pop("dueIn", None) or None
    if due_in and not is_duration(due_in) and re.fullmatch(r"-?P[0-9A-Z.,]*", due_in):
        problem("bad_due", due_in[:40])
    elif due_in and not is_duration(due_in):
        check("dueIn", due_in)
    form_key = raw.pop("formKey", None) or None
    if form_key:
        stored = resolve_form(form_key, forms)
        if stored is None:
            problem("unknown_form", form_key)
        form_key = stored or form_key
    organization = (raw.pop("organization", None) or "").strip() or None
    if organization and not PLAIN_NAME.fullmatch(organization):
        check("organization", organization)
    assignee = raw.pop("assignee", None) or None
    if assignee and assignee not in NAMED_PEOPLE:
        problem("unknown_assignee", assignee)
    priority = _priority(raw.pop("priority", None), problem)
    escalation = None
    if text := raw.pop("escalation", None):
        try:
            escalation = parse_escalation(text)
        except LadderInvalid as exc:
            problem(exc.code, exc.value, str(exc))
    props = TaskProperties(
        candidate_groups=groups,
        organization=organization,
        due_in=due_in,
        form_key=form_key,
        priority=priority,
        escalation=escalation,
        assignee=assignee,
        extra=raw,
    )
    return props, problems


def task_properties(task_spec: Any, forms: dict[str, Any]) -> TaskProperties:
    """A task's properties, parsed once per spec (specs are cached per version, as are forms)."""
    kept: TaskProperties | None = getattr(task_spec, "_percorsi_properties", None)
    if kept is None:
        kept = parse_properties(task_spec, forms)[0]
        task_spec._percorsi_properties = kept
    return kept


def _priority(text: str | None, problem: Any) -> int:
    if not text:
        return PRIORITY_NAMES["normal"]
    if text.lower() in PRIORITY_NAMES:
        return PRIORITY_NAMES[text.lower()]
    try:
        value = int(text) if len(text) <= 12 else MAX_PRIORITY + 1
    except ValueError:
        problem("bad_priority", text[:40])
        return PRIORITY_NAMES["normal"]
    if not 0 <= value <= MAX_PRIORITY:
        problem("priority_out_of_range", text[:40])
        return PRIORITY_NAMES["normal"]
    return value
