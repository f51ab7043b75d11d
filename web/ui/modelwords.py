"""A model in the reader's language: the engine's problems (each carries a code, its parameters
and the label of its element, engine/spiff/structure.py; the English `message` stays for the
API), and what the version diff compares (engine/rules/model_diff.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .labels import (
    DIFF_FIELDS,
    ELEMENT_TYPES,
    PRIORITY_LABELS,
    PROPERTY_FIELDS,
    element_text,
    label,
    role_label,
)
from .words import org_label


def _texts() -> dict[str, str]:
    return {
        "no_incoming": _("%(name)s non ha un flusso in entrata: nessun passo vi conduce."),
        "no_outgoing": _("%(name)s non ha un flusso in uscita: il caso si fermerebbe lì."),
        "unreachable": _("%(name)s non è raggiungibile dall'evento di inizio."),
        "no_way_to_end": _("Da %(name)s non si può arrivare a un evento di fine."),
        "no_default": _(
            "%(name)s: tutte le uscite hanno una condizione e nessuna è il flusso predefinito; "
            "un caso che non soddisfa alcuna condizione si fermerebbe."
        ),
        "no_start": _("%(name)s non ha un evento di inizio."),
        "bad_timer": _("%(name)s: il timer «%(value)s» non è %(expected)s."),
        "unknown_call": _(
            "%(name)s richiama il processo «%(value)s», che non è pubblicato né caricato insieme."
        ),
        "task_no_name": _(
            "%(name)s è un'attività senza nome: gli operatori non saprebbero che cosa fare."
        ),
        "task_no_form": _("%(name)s è un'attività senza modulo."),
        "task_no_due": _("%(name)s è un'attività senza scadenza."),
        "task_no_groups": _("%(name)s è un'attività che nessun ruolo può svolgere."),
        "unknown_role": _(
            "%(name)s è assegnata a «%(value)s», che non è un ruolo che svolge attività."
        ),
        "unknown_message": _("%(name)s usa il messaggio «%(value)s», che il modello non dichiara."),
        "message_not_caught": _(
            "%(name)s invia il messaggio «%(value)s», che nessun processo attende."
        ),
        "unknown_helper": _(
            "%(name)s usa «%(value)s», che non è una funzione a disposizione dei modelli."
        ),
        "message_unused": _(
            "Il messaggio «%(value)s» non è né inviato né atteso da alcun processo."
        ),
    }


def _expected() -> dict[str, str]:
    return {
        "timeDuration": _("una durata (per esempio 30 giorni, P30D)"),
        "timeDate": _("una data (per esempio 2026-01-31T09:00:00+01:00)"),
        "timeCycle": _("una ripetizione (per esempio ogni settimana per 3 volte, R3/P1W)"),
    }


def worded(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems with `text` in the reader's language (the engine's English as the detail
    of a problem that has no code yet)."""
    texts, expected = _texts(), _expected()
    out = []
    for found in problems:
        code = found.get("code")
        if code in texts:
            params = dict(found.get("params") or {})
            params["expected"] = expected.get(str(params.get("kind")), "")
            # «name», or an unnamed element's kind and place, in the reader's language
            named = found.get("label") or ({"name": params["name"]} if params.get("name") else None)
            params["name"] = element_text(named, quoted=True) if named else ""
            text = texts[code] % params
        elif found.get("field"):
            text = _("Campo «%(field)s»: %(detail)s") % {
                "field": str(found["field"]).strip("/"),
                "detail": found.get("message", ""),
            }
        else:
            text = _("Il modello non è valido: %(detail)s") % {"detail": found.get("message", "")}
        out.append({**found, "text": text})
    return out


PROPERTY = "property:"


def field_label(field: str) -> str:
    """What a row of the version diff compares, in words; a property the modeler does not
    edit by its name, as the model spells it."""
    if field.startswith(PROPERTY):
        name = field.removeprefix(PROPERTY)
        return str(PROPERTY_FIELDS.get(name) or _("Proprietà «%(name)s»", name=name))
    return str(DIFF_FIELDS.get(field, field))


def field_value(field: str, text: str) -> str:
    """A compared value in words where it is a code (element types, roles, organisations,
    priorities, yes or no); expressions, timers and scripts as the model writes them."""
    if field == "type":
        return label(ELEMENT_TYPES, text)
    if field == "interrupting":
        return str(_("sì") if text == "true" else _("no"))
    if field == PROPERTY + "candidateGroups":
        return ", ".join(role_label(code.strip()) for code in text.split(",") if code.strip())
    if field == PROPERTY + "organization":
        return org_label(text)
    if field == PROPERTY + "priority":
        return label(PRIORITY_LABELS, text)
    return text
