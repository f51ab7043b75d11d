"""Process models: deploy bundles, list models and versions, read a version's BPMN and forms."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage

from engine.commands.deployment import deploy_model
from engine.commands.migrations import migrate_cases
from engine.errors import ModelInvalid, UploadTooLarge
from engine.reads.modelviews import list_models, list_versions, version_bpmn, version_forms
from engine.rules.migration_plans import MigrationPlan

from ..auth import engine
from .admin_schemas import (
    DeployQuerySchema,
    DeployResultSchema,
    FormsSchema,
    ModelListSchema,
    UploadSchema,
    VersionListSchema,
)
from .calls import call, read
from .migration_schemas import MigrationReportSchema, MigrationSchema

PATH = "/models"
blp = Blueprint("models", __name__, description="BPMN/DMN process models and their versions")


def _contents(files: list[FileStorage]) -> dict[str, bytes]:
    """The uploaded files by name, each refused when larger than the per-file limit."""
    limit = engine().settings.max_upload_bytes
    contents: dict[str, bytes] = {}
    for upload in files:
        name = upload.filename or "upload"
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise UploadTooLarge(
                f"{name} is larger than the limit of {limit} bytes",
                [{"file": name, "message": "file too large"}],
            )
        contents[name] = data
    return contents


@blp.post("")
@blp.arguments(UploadSchema(), location="files")
@blp.arguments(DeployQuerySchema(), location="query")
@blp.response(201, DeployResultSchema)
@blp.alt_response(200, schema=DeployResultSchema, description="dry run: the problems found")
def deploy(upload: dict[str, Any], args: dict[str, Any]) -> Any:
    """Validate and deploy .bpmn/.dmn/form files; ?dry_run=true only validates (coordinators)."""
    files = _contents(upload["files"])
    dry_run = args["dry_run"]
    try:
        deployed = call(lambda uow, actor: deploy_model(uow, files, actor, dry_run=dry_run))
    except ModelInvalid as exc:
        if not dry_run:
            raise
        return {"dry_run": True, "valid": False, "processes": [], "problems": exc.problems}, 200
    body = {
        "dry_run": dry_run,
        "valid": True,
        "processes": [d.__dict__ for d in deployed],
        "problems": [],
    }
    return body, 200 if dry_run else 201


@blp.get("")
@blp.response(200, ModelListSchema)
def index() -> Any:
    """Every deployed process with its newest version."""
    return {"items": read(list_models)}


@blp.get("/<process_id>/versions")
@blp.response(200, VersionListSchema)
def versions(process_id: str) -> Any:
    """The versions of a process, newest first."""
    return {"items": read(lambda uow, actor: list_versions(uow, actor, process_id))}


@blp.get("/<process_id>/versions/<int:number>/bpmn")
@blp.response(200, {"type": "string"}, content_type="application/xml", description="the BPMN XML")
def bpmn(process_id: str, number: int) -> Any:
    """The BPMN XML of a version, as deployed."""
    xml = read(lambda uow, actor: version_bpmn(uow, actor, process_id, number))
    return Response(xml, mimetype="application/xml")


@blp.get("/<process_id>/versions/<int:number>/forms")
@blp.response(200, FormsSchema)
def forms(process_id: str, number: int) -> Any:
    """The JSON Schema forms of a version, by form key."""
    return {"forms": read(lambda uow, actor: version_forms(uow, actor, process_id, number))}


@blp.post("/<process_id>/migrations")
@blp.arguments(MigrationSchema())
@blp.response(200, MigrationReportSchema)
def migrate(body: dict[str, Any], process_id: str) -> Any:
    """Move running cases to version `to` (coordinators), each in its own transaction; with
    `dry_run` only report, per case, whether it can move and why not."""
    plan = MigrationPlan(
        process_id,
        body["to"],
        body.get("source"),
        tuple(body.get("cases") or ()),
        dict(body.get("mapping") or {}),
        dict(body.get("defaults") or {}),
        body["timers"],
    )
    actor = read(lambda _uow, actor: actor)
    return migrate_cases(engine(), actor, plan, dry_run=body["dry_run"]).as_dict()
