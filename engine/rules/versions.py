"""Which versions of a process exist: the newest, a numbered one, and the forms models may name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select

from engine.errors import ModelNotFound
from engine.store.tables import ProcessModel, ProcessVersion
from engine.store.uow import UnitOfWork


def latest_version(uow: UnitOfWork, process_id: str) -> ProcessVersion:
    """The newest version of a process, or ModelNotFound."""
    version = uow.session.scalar(
        select(ProcessVersion)
        .join(ProcessModel)
        .where(ProcessModel.process_id == process_id)
        .order_by(ProcessVersion.number.desc())
        .limit(1)
    )
    if version is None:
        raise ModelNotFound(f"no process model {process_id!r} is deployed")
    return version


_LATEST = (
    select(ProcessVersion.id, ProcessVersion.number)
    .join(ProcessModel)
    .where(ProcessModel.process_id == bindparam("process_id"))
    .order_by(ProcessVersion.number.desc())
    .limit(1)
)


def latest_version_number(uow: UnitOfWork, process_id: str) -> tuple[int, int]:
    """The id and number of a process's newest version (its texts unread), or ModelNotFound."""
    found = uow.session.connection().execute(_LATEST, {"process_id": process_id}).first()
    if found is None:
        raise ModelNotFound(f"no process model {process_id!r} is deployed")
    return found[0], found[1]


def latest_forms(uow: UnitOfWork) -> dict[str, Any]:
    """Every form of the newest version of every model, by key."""
    newest = (
        select(ProcessVersion.model_id, func.max(ProcessVersion.number).label("n"))
        .group_by(ProcessVersion.model_id)
        .subquery()
    )
    rows = uow.session.scalars(
        select(ProcessVersion.forms).join(
            newest,
            (ProcessVersion.model_id == newest.c.model_id) & (ProcessVersion.number == newest.c.n),
        )
    ).all()
    forms: dict[str, Any] = {}
    for row in rows:
        forms.update(row)
    return forms


def version_of(uow: UnitOfWork, process_id: str, number: int) -> ProcessVersion:
    """Version `number` of a process, or ModelNotFound."""
    found = uow.session.scalar(
        select(ProcessVersion)
        .join(ProcessModel)
        .where(ProcessModel.process_id == process_id, ProcessVersion.number == number)
    )
    if found is None:
        raise ModelNotFound(f"process model {process_id!r} has no version {number}")
    return found


def latest_sources(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(process id, BPMN XML) of the newest version of every model."""
    newest = (
        select(ProcessVersion.model_id, func.max(ProcessVersion.number).label("n"))
        .group_by(ProcessVersion.model_id)
        .subquery()
    )
    rows = uow.session.execute(
        select(ProcessModel.process_id, ProcessVersion.bpmn_xml)
        .join(ProcessModel, ProcessModel.id == ProcessVersion.model_id)
        .join(
            newest,
            (ProcessVersion.model_id == newest.c.model_id) & (ProcessVersion.number == newest.c.n),
        )
    ).all()
    return [(p, x) for p, x in rows]
