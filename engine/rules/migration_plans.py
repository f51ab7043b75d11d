"""A migration plan: how running cases move to another version of their process, and what
happened to each case. The move itself is `engine/rules/migrations.py`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.errors import InvalidInput, ModelNotFound
from engine.rules.model_diff import describe_elements
from engine.rules.versions import latest_version_number, version_of
from engine.spiff.dataflow import DataUse, known_names
from engine.spiff.element_labels import Label
from engine.spiff.positions import Problem
from engine.store.tables import ProcessVersion
from engine.store.uow import UnitOfWork

KEEP, RECOMPUTE = "keep", "recompute"
TIMER_POLICIES = (KEEP, RECOMPUTE)
MIGRATED = "migrated"  # moved to the target version
MOVABLE = "can_migrate"  # a dry run found it can move
REFUSED = "refused"  # the plan cannot place it: it stays where it is
UNCHANGED = "unchanged"  # already on the target version
SKIPPED = "skipped"  # not running, or not a case the plan selects
FAILED = "failed"  # an unexpected error; nothing of it was stored
OUTCOMES = (MIGRATED, MOVABLE, REFUSED, UNCHANGED, SKIPPED, FAILED)


@dataclass(frozen=True)
class MigrationPlan:
    """How the running cases of a process move from their version to version `to`."""

    process_id: str
    to: int
    source: int | None = None  # only cases on this version (default: any other version)
    cases: tuple[str, ...] = ()  # only these references (default: every selected case)
    mapping: dict[str, str | None] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    timers: str = KEEP

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["cases"] = list(self.cases)
        return found

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> MigrationPlan:
        return cls(**{**values, "cases": tuple(values.get("cases") or ())})


@dataclass(frozen=True)
class Target:
    """The version cases move to, as a move needs it."""

    version_id: int
    number: int
    specs: Any
    forms: dict[str, Any]
    elements: dict[str, str]  # element id -> its name in the target version
    labels: dict[str, Label]  # element id -> the target's element in words
    # What the target reads and writes from a set of positions: the same for many cases.
    uses: dict[frozenset[int], DataUse] = field(default_factory=dict, compare=False)
    # The elements of the cases' versions in words, by version id.
    sources: dict[int, dict[str, Label]] = field(default_factory=dict, compare=False)

    def source_labels(self, uow: UnitOfWork, version_id: int) -> dict[str, Label]:
        """The elements of version `version_id` (a case's) in words."""
        if version_id not in self.sources:
            version = uow.session.get_one(ProcessVersion, version_id)
            self.sources[version_id] = version_labels(uow, version)
        return self.sources[version_id]


@dataclass
class CaseReport:
    """What a migration did (or, in a dry run, would do) to one case, in words."""

    reference: str
    outcome: str
    source: int | None = None
    target: int | None = None
    reasons: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # the reasons, as codes
    moves: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def refuse(self, outcome: str, problems: list[Problem]) -> CaseReport:
        self.outcome = outcome
        self.reasons = [p.message for p in problems]
        self.problems = [asdict(p) for p in problems]
        return self


def resolve_plan(uow: UnitOfWork, plan: MigrationPlan) -> Target:
    """The plan's target version, once its parts are checked; InvalidInput names each problem."""
    latest_version_number(uow, plan.process_id)  # ModelNotFound for an unknown process
    problems: list[dict[str, Any]] = []
    if plan.timers not in TIMER_POLICIES:
        problems.append(
            {"field": "timers", "message": f"must be one of {', '.join(TIMER_POLICIES)}"}
        )
    version = _version(uow, plan.process_id, plan.to, "to", problems)
    if plan.source is not None:
        _version(uow, plan.process_id, plan.source, "from", problems)
    target = _target(uow, version) if version is not None else None
    if target is not None:
        for source, element in plan.mapping.items():
            if element is not None and element not in target.elements:
                problems.append(
                    {
                        "field": f"mapping.{source}",
                        "message": f"version {target.number} has no element {element!r}",
                    }
                )
    reserved = known_names(uow.runtime.environment)
    for name in plan.defaults:
        if not name.isidentifier() or name in reserved or name.startswith("_"):
            problems.append(
                {"field": f"defaults.{name}", "message": "not a name the model's data can hold"}
            )
    if problems or target is None:
        raise InvalidInput(
            "the migration plan cannot be used: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems),
            problems,
        )
    return target


def _version(
    uow: UnitOfWork, process_id: str, number: int, name: str, problems: list[dict[str, Any]]
) -> ProcessVersion | None:
    try:
        return version_of(uow, process_id, number)
    except ModelNotFound as exc:
        problems.append({"field": name, "message": exc.detail})
        return None


def _target(uow: UnitOfWork, version: ProcessVersion) -> Target:
    specs = uow.runtime.specs(version.id, lambda: version.spec_json)
    spec, subprocesses = specs
    elements: dict[str, str] = {}
    for wf_spec in (spec, *subprocesses.values()):
        for task_spec in wf_spec.task_specs.values():
            element = getattr(task_spec, "bpmn_id", None)
            if element and element not in elements:
                elements[element] = str(task_spec.bpmn_name or element)
    labels = version_labels(uow, version)
    return Target(version.id, version.number, specs, dict(version.forms), elements, labels)


def version_labels(uow: UnitOfWork, version: ProcessVersion) -> dict[str, Label]:
    """The elements of a version's diagram in words, by element id."""
    found = describe_elements(version.bpmn_xml, uow.settings.max_upload_bytes)
    return {element_id: element.label for element_id, element in found.items()}
