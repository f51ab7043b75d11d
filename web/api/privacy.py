"""The person's rights over the API: rettifica of a task's answers, subject export."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import force_locale
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.commands.rectification import REASON_MAX, rectify_answer
from engine.reads.subjects import subject_record
from engine.reads.taskviews import task_detail

from ..subjects import export_json, render_export
from .calls import call
from .schemas import TaskDetailSchema

PATH = ""
blp = Blueprint("privacy", __name__, description="The person's rights: rettifica, access")


class RectifySchema(Schema):
    data = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "the corrected fields of the task's form, and only them"},
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class SubjectExportSchema(Schema):
    tax_code = fields.String(required=True, validate=validate.Length(min=11, max=20))
    format = fields.String(load_default="html", validate=validate.OneOf(("html", "json")))
    lang = fields.String(load_default="it", validate=validate.OneOf(("it", "en")))


@blp.post("/tasks/<int:task_id>/rectify")
@blp.arguments(RectifySchema())
@blp.response(200, TaskDetailSchema)
def rectify(body: dict[str, Any], task_id: int) -> Any:
    """Correct answers of a completed task (case managers of the case); the original answers
    stay in the audit trail with the reason (`answer_rectified` event)."""

    def corrected(uow: Any, actor: Any) -> dict[str, Any]:
        rectify_answer(uow, task_id, body["data"], body["reason"], actor)
        return task_detail(uow, actor, task_id)

    return call(corrected)


@blp.post("/subjects/export")
@blp.arguments(SubjectExportSchema())
@blp.response(200, description="An HTML page to print, or the same record as JSON")
def subject_export(body: dict[str, Any]) -> Any:
    """Everything held about the person with this tax code (GDPR art. 15): coordinators, the
    DPO and CAV operators. The tax code travels in the body, never in a logged URL; the export
    is recorded on each case."""
    record = call(lambda uow, actor: subject_record(uow, actor, body["tax_code"], body["format"]))
    if body["format"] == "json":
        return jsonify(export_json(record))
    with force_locale(body["lang"]):
        page = render_export(record)
    response = Response(page, mimetype="text/html")
    name = f"estratto-dati-personali-{record.produced_at:%Y%m%d-%H%M}.html"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
