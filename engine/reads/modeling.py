"""The process models as coordinators see them: the catalogue, a version's source, the choices
of the Modeler's panel, and what changed between two versions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine.actors import Actor
from engine.errors import InvalidInput
from engine.rules.access import NETWORK_ROLES, READ_ONLY_ROLES, require_coordinator
from engine.rules.model_diff import ModelDiff, diff_models
from engine.rules.progress import RUNNING
from engine.rules.versions import latest_forms, latest_version, version_of
from engine.spiff import with_diagram
from engine.spiff.code_checks import refusal
from engine.spiff.forms import sample_case
from engine.spiff.properties import ESCALATION_ACTIONS, PRIORITY_NAMES
from engine.store.tables import Case, Organization, ProcessModel, ProcessVersion, User
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class VersionRow:
    """One deployed version as the catalogue lists it."""

    number: int
    deployed_at: datetime
    deployed_by: str
    running_cases: int
    total_cases: int


@dataclass(frozen=True)
class ModelRow:
    process_id: str
    name: str
    versions: list[VersionRow]

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]


@dataclass(frozen=True)
class VersionSource:
    """The BPMN of one version, for the Modeler and the viewers."""

    process_id: str
    name: str
    number: int
    latest_number: int
    bpmn_file: str
    bpmn_xml: str


@dataclass(frozen=True)
class EditorOptions:
    """What the Modeler's properties panel offers to choose from."""

    roles: tuple[str, ...]
    organizations: list[tuple[str, str]]
    forms: dict[str, Any]  # the deployed forms (JSON Schema) by key
    processes: list[tuple[str, str]] = field(default_factory=list)  # (process id, name)
    priorities: tuple[str, ...] = tuple(PRIORITY_NAMES)
    escalation_actions: tuple[str, ...] = ESCALATION_ACTIONS


def list_models(uow: UnitOfWork, actor: Actor) -> list[ModelRow]:
    """Every model with its versions (newest first) and how many cases run on each."""
    require_coordinator(actor)
    counts: dict[int, tuple[int, int]] = {}
    for version_id, status, n in uow.session.execute(
        select(Case.version_id, Case.status, func.count()).group_by(Case.version_id, Case.status)
    ):
        running, total = counts.get(version_id, (0, 0))
        counts[version_id] = (running + (n if status == RUNNING else 0), total + n)
    rows = uow.session.execute(
        select(ProcessModel, ProcessVersion, User.username)
        .join(ProcessVersion, ProcessVersion.model_id == ProcessModel.id)
        .outerjoin(User, User.id == ProcessVersion.deployed_by)
        .order_by(ProcessModel.name, ProcessModel.id, ProcessVersion.number.desc())
    ).all()
    models: dict[int, ModelRow] = {}
    for model, version, username in rows:
        row = models.setdefault(model.id, ModelRow(model.process_id, model.name, []))
        running, total = counts.get(version.id, (0, 0))
        row.versions.append(
            VersionRow(version.number, version.deployed_at, username or "system", running, total)
        )
    return list(models.values())


def process_names(uow: UnitOfWork) -> list[tuple[str, str]]:
    """Every deployed process as (process id, name), by name; names are not personal data."""
    rows = uow.session.execute(
        select(ProcessModel.process_id, ProcessModel.name).order_by(ProcessModel.name)
    ).all()
    return [(p, n) for p, n in rows]


def model_source(uow: UnitOfWork, process_id: str, number: int | None = None) -> VersionSource:
    """The BPMN of a version (the latest when no number is given); ModelNotFound otherwise."""
    latest = latest_version(uow, process_id)
    version = latest if number is None else version_of(uow, process_id, number)
    name = uow.session.get_one(ProcessModel, version.model_id).name
    return VersionSource(
        process_id, name, version.number, latest.number, version.bpmn_file, version.bpmn_xml
    )


def editable_source(
    uow: UnitOfWork, actor: Actor, process_id: str, number: int | None = None
) -> VersionSource:
    """A version's BPMN for the Modeler and the viewers (coordinators only), with a diagram laid
    out for the processes that have none (models written without one still open)."""
    require_coordinator(actor)
    found = model_source(uow, process_id, number)
    drawn = with_diagram(found.bpmn_xml, uow.settings.max_upload_bytes)
    return replace(found, bpmn_xml=drawn) if drawn != found.bpmn_xml else found


def editor_options(uow: UnitOfWork, actor: Actor) -> EditorOptions:
    """Roles that work on tasks, organisations and deployed forms for the properties panel."""
    require_coordinator(actor)
    orgs = uow.session.execute(
        select(Organization.code, Organization.name).order_by(Organization.code)
    ).all()
    roles = tuple(r for r in NETWORK_ROLES if r not in READ_ONLY_ROLES)
    return EditorOptions(
        roles, [(c, n) for c, n in orgs], latest_forms(uow), processes=process_names(uow)
    )


def diff_versions(
    uow: UnitOfWork, actor: Actor, process_id: str, before: int, after: int
) -> ModelDiff:
    """Elements added, removed and changed from version `before` to version `after`."""
    require_coordinator(actor)
    old, new = version_of(uow, process_id, before), version_of(uow, process_id, after)
    return diff_models(old.bpmn_xml, new.bpmn_xml, uow.settings.max_upload_bytes)


@dataclass(frozen=True)
class CodeCheck:
    """Model code tried on a sample case: `outcome` is "true"/"false" for a condition, "ran"
    for a script or an expression; "refused" when it does not compile, "failed" when it raised.
    `names`: the case data a script leaves; `detail`: the line of code refused (its `line` when
    the code has several, the mistake's `hint`: engine/spiff/code_checks.py), or the error."""

    outcome: str
    detail: str = ""
    names: tuple[str, ...] = ()
    line: int | None = None
    hint: str = ""


CODE_KINDS = ("condition", "script", "expression")


def check_code(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    source: str,
    form_keys: list[str],
    data: dict[str, Any] | None = None,
) -> CodeCheck:
    """Compile `source` under the sandbox and run it on a sample case made from the forms the
    case has filled in by then; nothing is stored."""
    require_coordinator(actor)
    if kind not in CODE_KINDS:
        raise InvalidInput(
            f"kind must be one of {', '.join(CODE_KINDS)}, not {kind!r}",
            [{"field": "kind", "message": "unknown kind"}],
        )
    refused = refusal(source, expression=kind != "script")
    if refused is not None:
        line = refused.line if refused.several else None
        return CodeCheck("refused", refused.text, line=line, hint=refused.hint)
    engine_names = {"case_reference": "PROVA-0001", "referring_organization": ""}
    context = {**engine_names, **sample_case(latest_forms(uow), form_keys, data or {})}
    environment = uow.runtime.environment
    uow.runtime.begin_command()
    try:
        if kind == "script":
            before = set(context)
            environment.execute(source, context)
            return CodeCheck("ran", names=tuple(sorted(set(context) - before)))
        value = environment.evaluate(source, context)
    except Exception as exc:  # model code may raise anything: the coordinator reads why
        return CodeCheck("failed", f"{type(exc).__name__}: {exc}")
    if kind == "condition":
        return CodeCheck("true" if value else "false")
    return CodeCheck("ran", str(value)[:200])
