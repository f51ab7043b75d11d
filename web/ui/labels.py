"""Words the pages show for codes: case statuses, audit events, roles, target groups."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

STATUS = {
    "running": _l("In corso"),
    "completed": _l("Concluso"),
    "cancelled": _l("Annullato"),
    "open": _l("Aperta"),
}
EVENTS = {
    "case_started": _l("Caso avviato"),
    "case_cancelled": _l("Caso annullato"),
    "case_completed": _l("Caso concluso"),
    "task_emitted": _l("Attività aperta"),
    "message_sent": _l("Messaggio inviato"),
    "task_claimed": _l("Attività presa in carico"),
    "task_unclaimed": _l("Attività restituita al gruppo"),
    "task_assigned": _l("Attività assegnata"),
    "task_completed": _l("Attività completata"),
    "task_escalated": _l("Attività sollecitata"),
    "incident_opened": _l("Anomalia aperta"),
    "incident_retried": _l("Nuovo tentativo"),
    "incident_resolved": _l("Anomalia risolta"),
    "restricted_case_read": _l("Consultazione del caso riservato"),
    "message_received": _l("Messaggio ricevuto"),
    "timer_fired": _l("Scadenza raggiunta"),
    "escalation": _l("Sollecito"),
}
ROLES = {
    "case_manager": _l("Case manager"),
    "equipe_member": _l("Equipe di sistema"),
    "cpi_operator": _l("Operatore CPI"),
    "collocamento_operator": _l("Collocamento mirato"),
    "asst_operator": _l("Operatore ASST"),
    "sil_tutor": _l("Tutor SIL"),
    "training_tutor": _l("Tutor formazione"),
    "coop_tutor": _l("Tutor cooperativa"),
    "cav_operator": _l("Operatrice CAV"),
    "coordinator": _l("Coordinamento"),
    "cabina_viewer": _l("Cabina di Regia"),
    "auditor": _l("Responsabile protezione dati"),
}
TARGET_GROUPS = {
    "giovani": _l("Giovani (NEET)"),
    "disabilita": _l("Persone con disabilità"),
    "violenza": _l("Donne vittime di violenza"),
    "adulti": _l("Adulti vulnerabili"),
}


def _lookup(table: dict[str, object]) -> object:
    def label(code: str | None) -> str:
        if not code:
            return "—"
        return str(table.get(code, code.replace("_", " ")))

    return label


def init_labels(app: Flask) -> None:
    for name, table in (
        ("status_label", STATUS),
        ("event_label", EVENTS),
        ("role_label", ROLES),
        ("group_label", TARGET_GROUPS),
    ):
        app.jinja_env.globals[name] = _lookup(table)
