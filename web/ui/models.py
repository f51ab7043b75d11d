"""Coordinator pages: model catalogue, bpmn-js Modeler with validate and deploy, version diffs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from engine.commands.modeling import check_form, deploy_edited
from engine.commands.trial import MAX_STEPS, Trial, TrialTask, try_model
from engine.errors import InvalidInput, ModelInvalid
from engine.reads.modeling import (
    EditorOptions,
    VersionSource,
    check_code,
    diff_versions,
    editable_source,
    editor_options,
    list_models,
)
from engine.rules.model_diff import REFERENCES

from ..auth import current_actor, engine
from .forms import build_fields, label_of
from .guards import install_error_pages
from .labels import ELEMENT_TYPES, ESCALATION_LABELS, PRIORITY_LABELS, ROLES, label
from .modelwords import check_text, field_label, field_value, worded
from .words import day

bp = Blueprint("model_pages", __name__)
install_error_pages(bp)


def number_arg(name: str) -> int | None:
    """A positive whole number from the query string, None when absent, else a clear error."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(
            f"{name} must be a version number (1, 2, ...), not {text!r}",
            [{"field": name, "message": "not a version number"}],
        )
    return int(text)


@bp.get("/models")
def index() -> str:
    """Every model with its versions and the cases running on each."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        models = list_models(uow, actor)
    return render_template("models/index.html", models=models)


@bp.get("/models/new")
def new() -> str:
    """The Modeler on a blank diagram."""
    return _editor(None, None)


@bp.get("/models/<process_id>/edit")
def edit(process_id: str) -> str:
    """The Modeler on the latest version, or on ?version=n."""
    return _editor(process_id, number_arg("version"))


def _editor(process_id: str | None, number: int | None) -> str:
    actor = current_actor()
    with engine().uow(write=False) as uow:
        options = editor_options(uow, actor)
        source = editable_source(uow, actor, process_id, number) if process_id else None
    config = editor_config(options, source)
    return render_template("models/edit.html", source=source, config=config)


def editor_config(options: EditorOptions, source: VersionSource | None) -> dict[str, Any]:
    """What modeler.js needs: where things are, what may be chosen, and its texts."""
    return {
        "isNew": source is None,
        "processId": source.process_id if source else "",
        "xmlUrl": (
            url_for(".source", process_id=source.process_id, version=source.number)
            if source
            else None
        ),
        "validateUrl": url_for(".validate"),
        "deployUrl": url_for(".deploy"),
        "editUrl": url_for(".edit", process_id="__ID__"),
        "roles": [{"code": r, "label": label(ROLES, r)} for r in options.roles],
        "organizations": [{"code": c, "label": n} for c, n in options.organizations],
        "forms": form_choices(options.forms),
        "formFields": form_fields(options.forms),
        "formSchemas": options.forms,
        "processes": [{"code": p, "label": n} for p, n in options.processes],
        "checkUrl": url_for(".check"),
        "tryUrl": url_for(".trial"),
        "previewUrl": url_for(".form_preview"),
        "priorities": [{"code": p, "label": label(PRIORITY_LABELS, p)} for p in options.priorities],
        "escalationActions": [
            {"code": a, "label": label(ESCALATION_LABELS, a)} for a in options.escalation_actions
        ],
        "newProcessName": _("Nuovo percorso"),
        "text": modeler_texts(),
    }


def form_choices(forms: dict[str, Any]) -> list[dict[str, str]]:
    """The deployed forms by their title in the UI's language (the key when untitled)."""
    locale = str(get_locale() or "it")
    found = [
        {"code": key, "label": label_of(schema, key.removesuffix(".json"), locale)}
        for key, schema in forms.items()
        if isinstance(schema, dict)
    ]
    return sorted(found, key=lambda f: f["label"].casefold())


def form_fields(forms: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The case data fields each form fills in: name and title in the UI's language."""
    locale = str(get_locale() or "it")
    return {
        key: [
            {"code": str(name), "label": label_of(prop, str(name), locale)}
            for name, prop in (schema.get("properties") or {}).items()
            if isinstance(prop, dict)
        ]
        for key, schema in forms.items()
        if isinstance(schema, dict)
    }


def modeler_texts() -> dict[str, str]:
    """Texts modeler.js shows, translated here (the page has no other catalogue)."""
    return {
        "valid": _("Il modello è valido: può essere pubblicato."),
        "invalid": _("Problemi trovati: %(n)s. Li corregga prima di pubblicare."),
        "deployed": _("Pubblicata la versione %(n)s. I nuovi casi useranno questa versione."),
        "unchanged": _("Nessuna modifica rispetto alla versione %(n)s: nulla da pubblicare."),
        "failed": _("Il server non ha risposto come previsto: %(detail)s"),
        "unsaved": _("Ci sono modifiche non pubblicate. Uscire comunque?"),
        "noElement": _("Problema generale del modello"),
        "dirty": _("Modifiche non pubblicate"),
        "clean": _("Nessuna modifica da pubblicare"),
        "importError": _("Il diagramma non può essere aperto: %(detail)s"),
        "line": _("riga"),
        "checking": _("Verifica in corso…"),
        "trying": _("Prova in corso…"),
        "showPanel": _("Mostra le proprietà"),
        "caseOwner": _("l'organizzazione titolare del caso"),
        "fromData": _("quella indicata nel dato del caso «%(name)s»"),
        "badSchema": _("Lo schema non è JSON valido: %(detail)s"),
        "newFormTitle": _("Nuovo modulo"),
        "newFieldTitle": _("Note"),
        "hidePanel": _("Nascondi le proprietà"),
        "badJson": _("I dati del caso di prova non sono un oggetto JSON valido: %(detail)s"),
        "editing": _("Stai modificando la versione %(n)s (ultima pubblicata: %(latest)s)."),
    }


@bp.get("/models/<process_id>/xml")
def source(process_id: str) -> Response:
    """The BPMN XML of a version (the Modeler loads it from here)."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        found = editable_source(uow, actor, process_id, number_arg("version"))
    response = Response(found.bpmn_xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'inline; filename="{found.bpmn_file}"'
    return response


def posted_xml() -> str:
    """The diagram sent by the Modeler, as {"xml": "..."} or a form field."""
    body = request.get_json(silent=True) if request.is_json else None
    xml = body.get("xml") if isinstance(body, dict) else request.form.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise InvalidInput(
            'send the diagram as JSON {"xml": "<bpmn:definitions ...>"}',
            [{"field": "xml", "message": "missing"}],
        )
    return xml


def posted_forms() -> dict[str, Any]:
    """The forms edited in the Modeler, sent as {"forms": {"name.json": {schema}}}."""
    body = request.get_json(silent=True) if request.is_json else None
    forms = body.get("forms") if isinstance(body, dict) else None
    if forms is None:
        return {}
    if not isinstance(forms, dict) or not all(isinstance(v, dict) for v in forms.values()):
        raise InvalidInput(
            'send the edited forms as {"forms": {"name.json": {...}}}',
            [{"field": "forms", "message": "not an object of forms"}],
        )
    return {str(k): v for k, v in forms.items()}


@contextmanager
def worded_problems() -> Iterator[None]:
    """A refused model's problems, each with its text in the reader's language."""
    try:
        yield
    except ModelInvalid as error:
        raise type(error)(error.detail, worded(error.problems)) from error


@bp.post("/models/validate")
def validate() -> Response:
    """Check the Modeler's diagram as a deploy would, storing nothing."""
    actor = current_actor()
    with engine().uow() as uow, worded_problems():
        checked = deploy_edited(uow, actor, posted_xml(), dry_run=True, forms=posted_forms())
    return jsonify({"valid": True, "processes": [d.process_id for d in checked]})


@bp.post("/models/deploy")
def deploy() -> Response:
    """Deploy the Modeler's diagram as a new version (or report it unchanged)."""
    actor = current_actor()
    with engine().uow() as uow, worded_problems():
        deployed = deploy_edited(uow, actor, posted_xml(), forms=posted_forms())
    return jsonify(
        {
            "deployed": [
                {
                    "process_id": d.process_id,
                    "name": d.name,
                    "number": d.number,
                    "created": d.created,
                    "edit_url": url_for(".edit", process_id=d.process_id),
                }
                for d in deployed
            ]
        }
    )


@bp.post("/models/check")
def check() -> Response:
    """Try a condition, a script or an expression on a sample case: compiled by the sandbox and
    run on the data the forms upstream would leave; nothing is stored."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("source"), str):
        raise InvalidInput(
            'send {"kind": "condition", "source": "...", "forms": ["..."]}',
            [{"field": "source", "message": "missing"}],
        )
    forms = [str(f) for f in body.get("forms") or [] if isinstance(f, str)]
    actor = current_actor()
    with engine().uow(write=False) as uow:
        found = check_code(uow, actor, str(body.get("kind")), body["source"], forms)
    return jsonify(
        {"outcome": found.outcome, "text": check_text(found), "names": list(found.names)}
    )


@bp.post("/models/form-preview")
def form_preview() -> Response:
    """A form being edited, checked as a deploy checks it and drawn by the task page's
    renderer; its problems in words when it is refused."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    key, schema = body.get("key"), body.get("schema")
    if not isinstance(key, str) or not isinstance(schema, dict):
        raise InvalidInput(
            'send {"key": "name.json", "schema": {...}}',
            [{"field": "schema", "message": "missing"}],
        )
    with worded_problems():
        check_form(current_actor(), key, schema)
    fields = build_fields(schema, {}, {}, str(get_locale() or "it"))
    html = render_template("models/_form_preview.html", fields=fields, form_readonly=True)
    locale = str(get_locale() or "it")
    return jsonify(
        {
            "html": html,
            "title": label_of(schema, key.removesuffix(".json"), locale),
            "fields": form_fields({key: schema})[key],
        }
    )


@bp.post("/models/try")
def trial() -> Response:
    """ "Prova": the diagram run with sample data through the engine, everything rolled back."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    start = body.get("data")
    if start is not None and not isinstance(start, dict):
        raise InvalidInput(
            "the trial's case data must be a JSON object",
            [{"field": "data", "message": "not an object"}],
        )
    steps = body.get("steps", 0)
    if not isinstance(steps, int) or isinstance(steps, bool) or not 0 <= steps <= MAX_STEPS:
        raise InvalidInput(
            f"steps must be a whole number from 0 to {MAX_STEPS}",
            [{"field": "steps", "message": "not a number of steps"}],
        )
    actor = current_actor()
    with engine().uow() as uow, worded_problems():
        found = try_model(uow, actor, posted_xml(), start, None, steps, posted_forms())
    return jsonify(trial_json(found))


def trial_json(found: Trial) -> dict[str, Any]:
    """The trial in words: the tasks with their groups, organisation and due date."""
    if found.problem and found.stopped_at:
        summary = _("La prova si ferma a «%(name)s»: %(detail)s") % {
            "name": found.stopped_name,
            "detail": found.problem,
        }
    elif found.problem:
        summary = _("Il caso di prova non si apre: %(detail)s") % {"detail": found.problem}
    elif found.finished:
        summary = _("Il caso di prova arriva alla fine del percorso.")
    else:
        summary = _("Il caso di prova attende %(n)s attività.") % {"n": len(found.tasks)}
    return {
        "start_data": found.start_data,
        "done": found.done,
        "active": found.active,
        "finished": found.finished,
        "stopped_at": found.stopped_at,
        "summary": summary,
        "tasks": [{"element_id": t.element_id, "text": task_words(t)} for t in found.tasks],
    }


def task_words(task: TrialTask) -> str:
    """One emitted task in words: who does it, for which organisation, by when."""
    values = {
        "name": task.name,
        "groups": ", ".join(label(ROLES, g) for g in task.groups) or _("nessun ruolo"),
        "organization": task.organization or _("l'organizzazione del caso"),
    }
    if task.due_at is None:
        return str(_("«%(name)s» a %(groups)s di %(organization)s, senza scadenza") % values)
    text = _("«%(name)s» a %(groups)s di %(organization)s, entro il %(due)s")
    return str(text % {**values, "due": day(task.due_at)})


@bp.get("/models/<process_id>/diff")
def diff(process_id: str) -> str:
    """Elements added, removed and changed between two versions (default: the last two)."""
    actor = current_actor()
    with engine().uow(write=False) as uow:
        latest = editable_source(uow, actor, process_id)
        after = number_arg("to") or latest.number
        before = number_arg("from") or max(1, after - 1)
        changes = diff_versions(uow, actor, process_id, before, after)
    markers = {
        **{e.element_id: "added" for e in changes.added},
        **{c.element.element_id: "changed" for c in changes.changed},
    }
    config = {
        "xmlUrl": url_for(".source", process_id=process_id, version=after),
        "markers": markers,
    }
    return render_template(
        "models/diff.html",
        latest=latest,
        before=before,
        after=after,
        diff=changes,
        references=REFERENCES,
        config=config,
        types=ELEMENT_TYPES,
        label=label,
        field_label=field_label,
        field_value=field_value,
    )
