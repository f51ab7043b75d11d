"""Reading deployed process models: the models, their versions, a version's BPMN and forms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.actors import Actor
from engine.errors import ModelNotFound
from engine.store.tables import ProcessModel, ProcessVersion, User
from engine.store.uow import UnitOfWork


def list_models(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Every deployed process with its newest version number (diagrams are not personal data)."""
    newest = (
        select(
            ProcessVersion.model_id,
            func.max(ProcessVersion.number).label("number"),
            func.max(ProcessVersion.deployed_at).label("deployed_at"),
        )
        .group_by(ProcessVersion.model_id)
        .subquery()
    )
    rows = uow.session.execute(
        select(ProcessModel, newest.c.number, newest.c.deployed_at)
        .join(newest, newest.c.model_id == ProcessModel.id)
        .order_by(ProcessModel.process_id)
    ).all()
    return [
        {
            "process_id": model.process_id,
            "name": model.name,
            "latest_version": number,
            "created_at": model.created_at,
            "deployed_at": deployed_at,
        }
        for model, number, deployed_at in rows
    ]


def _model(uow: UnitOfWork, process_id: str) -> ProcessModel:
    model = uow.session.scalar(select(ProcessModel).where(ProcessModel.process_id == process_id))
    if model is None:
        raise ModelNotFound(f"no process model {process_id!r} is deployed")
    return model


def list_versions(uow: UnitOfWork, actor: Actor, process_id: str) -> list[dict[str, Any]]:
    """The versions of one process, newest first."""
    model = _model(uow, process_id)
    rows = uow.session.execute(
        select(ProcessVersion, User.username)
        .outerjoin(User, User.id == ProcessVersion.deployed_by)
        .where(ProcessVersion.model_id == model.id)
        .order_by(ProcessVersion.number.desc())
    ).all()
    return [_version(model, v, who) for v, who in rows]


def _version(model: ProcessModel, v: ProcessVersion, who: str | None) -> dict[str, Any]:
    return {
        "process_id": model.process_id,
        "number": v.number,
        "bpmn_file": v.bpmn_file,
        "dmn_files": sorted(v.dmn),
        "forms": sorted(v.forms),
        "sha256": v.sha256,
        "deployed_by": who,
        "deployed_at": v.deployed_at,
    }


def _get_version(uow: UnitOfWork, process_id: str, number: int) -> ProcessVersion:
    model = _model(uow, process_id)
    version = uow.session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.model_id == model.id, ProcessVersion.number == number
        )
    )
    if version is None:
        raise ModelNotFound(f"{process_id} has no version {number}")
    return version


def version_bpmn(uow: UnitOfWork, actor: Actor, process_id: str, number: int) -> str:
    """The BPMN XML of one version, as deployed."""
    return _get_version(uow, process_id, number).bpmn_xml


def version_forms(uow: UnitOfWork, actor: Actor, process_id: str, number: int) -> dict[str, Any]:
    """The JSON Schema forms of one version, by form key."""
    return dict(_get_version(uow, process_id, number).forms)
