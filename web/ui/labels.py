"""Words the pages show for codes: statuses, events, roles, target groups, outcomes, elements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
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
    "review_completed": _l("Riesame del Comitato concluso"),
    "task_reminded": _l("Sollecito del Comitato inviato"),
    "case_migrated": _l("Caso spostato su un'altra versione del percorso"),
    "task_substituted": _l("Attività affidata al sostituto"),
    "task_given_back": _l("Attività restituita al rientro"),
    "answer_rectified": _l("Risposta rettificata"),
    "redaction": _l("Contenuto rimosso (oscuramento registrato)"),
    "case_anonymized": _l("Dati personali rimossi alla scadenza della conservazione"),
    "subject_exported": _l("Estratto dei dati consegnato all'interessato"),
    "chain_resealed": _l("Registro risigillato"),
    "task_closed": _l("Attività chiusa dal percorso"),
    "task_rerouted": _l("Attività affidata al case manager (manca il consenso)"),
    "task_returned": _l("Attività restituita al partner"),
    "case_manager_named": _l("Persona di riferimento nominata"),
    "case_manager_unnamed": _l("Persona di riferimento sollevata"),
    "case_transferred": _l("Caso trasferito"),
    "consent_given": _l("Consenso registrato"),
    "consent_withdrawn": _l("Consenso revocato"),
}
CONSENTS = {
    "private_partners": _l("Condivisione con i partner privati"),
    "pathway": _l("Consenso al percorso per la violenza"),
    "identity_to_case_manager": _l("Identità visibile al case manager"),
}
GIVERS = {
    "interessato": _l("la persona"),
    "genitore": _l("un genitore"),
    "tutore": _l("il tutore"),
}
ROLES = {
    "case_manager": _l("Case manager (servizio sociale)"),
    "equipe_member": _l("Componente dell'Equipe di sistema"),
    "cpi_operator": _l("Operatore del Centro per l'Impiego"),
    "collocamento_operator": _l("Operatore del collocamento mirato"),
    "asst_operator": _l("Operatore ASST"),
    "sil_tutor": _l("Tutor SIL"),
    "training_tutor": _l("Tutor della formazione"),
    "coop_tutor": _l("Tutor della cooperativa"),
    "cav_operator": _l("Operatrice del Centro antiviolenza"),
    "coordinator": _l("Coordinatore (Comitato tecnico operativo)"),
    "auditor": _l("Responsabile protezione dati"),
    "cabina_viewer": _l("Cabina di Regia"),
}
TARGET_GROUPS = {
    "giovani": _l("Giovani (NEET)"),
    "disabilita": _l("Persone con disabilità"),
    "violenza": _l("Donne vittime di violenza"),
    "adulti": _l("Adulti vulnerabili"),
}


PRIORITY_LABELS = {
    "low": _l("Bassa"),
    "normal": _l("Normale"),
    "high": _l("Alta"),
    "urgent": _l("Urgente"),
}

ESCALATION_LABELS = {
    "notify_assignee": _l("Avvisa l'assegnatario"),
    "notify_group": _l("Avvisa il gruppo"),
    "notify_coordinators": _l("Avvisa i coordinatori dell'organizzazione"),
    "review_task": _l("Apri un riesame al Comitato tecnico operativo"),
}

DIMENSION_LABELS = {
    "target_group": _l("Gruppo target"),
    "comune": _l("Comune"),
    "organization": _l("Organizzazione segnalante"),
}


OUTCOME_LABELS = {
    "occupato": _l("Occupato/a"),
    "completato": _l("Percorso completato"),
    "abbandono": _l("Abbandono"),
    "rifiuto": _l("Rifiuto"),
    "perdita_beneficio": _l("Perdita o sospensione del beneficio"),
    "trasferito": _l("Trasferito/a"),
}

ELEMENT_TYPES = {
    "userTask": _l("Attività utente"),
    "manualTask": _l("Attività manuale"),
    "serviceTask": _l("Attività di servizio"),
    "scriptTask": _l("Attività script"),
    "businessRuleTask": _l("Regola decisionale"),
    "sequenceFlow": _l("Flusso"),
    "startEvent": _l("Evento di inizio"),
    "endEvent": _l("Evento di fine"),
    "exclusiveGateway": _l("Gateway esclusivo"),
    "parallelGateway": _l("Gateway parallelo"),
    "inclusiveGateway": _l("Gateway inclusivo"),
    "boundaryEvent": _l("Evento di confine"),
    "intermediateCatchEvent": _l("Evento intermedio"),
    "intermediateThrowEvent": _l("Evento intermedio di lancio"),
    "eventBasedGateway": _l("Gateway basato su eventi"),
    "sendTask": _l("Attività di invio"),
    "receiveTask": _l("Attività di ricezione"),
    "task": _l("Attività"),
    "callActivity": _l("Sottoprocesso richiamato"),
    "subProcess": _l("Sottoprocesso"),
    "lane": _l("Corsia"),
}

# What the version diff compares of an element (engine/rules/model_diff.py), in words.
DIFF_FIELDS = {
    "type": _l("Tipo"),
    "name": _l("Nome"),
    "source": _l("Parte da"),
    "target": _l("Arriva a"),
    "incoming": _l("Flussi in entrata"),
    "outgoing": _l("Flussi in uscita"),
    "condition": _l("Condizione"),
    "default": _l("Flusso predefinito"),
    "timer": _l("Timer"),
    "message": _l("Messaggio"),
    "attached_to": _l("Sul bordo di"),
    "interrupting": _l("Interrompe l'attività"),
    "called_element": _l("Processo richiamato"),
    "decision": _l("Tabella decisionale"),
    "loop": _l("Ripetizione per ogni elemento"),
    "messageVariable": _l("Variabile del messaggio ricevuto"),
    "messagePayload": _l("Contenuto del messaggio inviato"),
    "instructionsForEndUser": _l("Istruzioni per l'operatore"),
    "script": _l("Script"),
}
# The task properties the modeler edits (spiffworkflow:property), in words.
PROPERTY_FIELDS = {
    "candidateGroups": _l("Gruppi candidati"),
    "organization": _l("Organizzazione titolare"),
    "dueIn": _l("Scadenza"),
    "formKey": _l("Modulo da compilare"),
    "assignee": _l("Assegnazione"),
    "priority": _l("Priorità"),
    "escalation": _l("Solleciti"),
    "caseOwner": _l("Titolare del caso"),
    "restricted": _l("Riservato"),
    "restrictedTargetGroups": _l("Gruppi target riservati"),
}
NOT_STATED = _l("non indicato")
# Where an element drawn without a name stands (engine/spiff/element_labels.py).
PLACES = {
    "on": _l("sul bordo di %(names)s"),
    "after": _l("dopo %(names)s"),
    "before": _l("prima di %(names)s"),
    "from": _l("da %(names)s"),
    "to": _l("a %(names)s"),
}


def element_text(found: dict[str, Any] | None, quoted: bool = False, fallback: str = "") -> str:
    """An element in words: its name («quoted» inside a sentence), or its kind and place."""
    if not found:
        return _quote(fallback) if quoted and fallback else fallback
    if found.get("name"):
        return _quote(found["name"]) if quoted else str(found["name"])
    kind = str(found.get("kind", ""))
    words = [_("%(kind)s senza nome", kind=label(ELEMENT_TYPES, kind))]
    places = ("from", "to") if kind == "sequenceFlow" else ("after", "before")
    for key, place in (("on", "on"), ("after", places[0]), ("before", places[1])):
        if found.get(key):
            words.append(str(PLACES[place]) % {"names": _names(found[key])})
    if found.get("flow"):
        words.append(_("sul ramo %(flow)s", flow=_quote(found["flow"])))
    return " ".join(words)


def _quote(name: str) -> str:
    return str(_("«%(name)s»", name=name))


def _names(names: str | list[str]) -> str:
    quoted = [_quote(n) for n in ([names] if isinstance(names, str) else names)]
    if len(quoted) == 1:
        return quoted[0]
    return str(_("%(first)s e %(last)s", first=", ".join(quoted[:-1]), last=quoted[-1]))


def label(mapping: dict[str, object], code: str) -> str:
    """The label of a code, the code itself when it has none, "not stated" for blanks."""
    if not code:
        return str(NOT_STATED)
    return str(mapping.get(code, code))


def _lookup(table: dict[str, object]) -> Callable[[str | None], str]:
    """The label of a code in the UI's language ("—" for none; the code in words if unknown),
    translated once per language for the process: a worklist page names 50 roles and groups."""
    said: dict[tuple[str, str], str] = {}

    def label(code: str | None) -> str:
        if not code:
            return "—"
        key = (str(get_locale()), code)
        found = said.get(key)
        if found is None:
            found = said[key] = str(table.get(code, code.replace("_", " ")))
        return found

    return label


status_label = _lookup(STATUS)
event_label = _lookup(EVENTS)
role_label = _lookup(ROLES)
group_label = _lookup(TARGET_GROUPS)
consent_label = _lookup(CONSENTS)
giver_label = _lookup(GIVERS)


def init_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        status_label=status_label,
        event_label=event_label,
        role_label=role_label,
        group_label=group_label,
        consent_label=consent_label,
        giver_label=giver_label,
        element_text=element_text,
    )
