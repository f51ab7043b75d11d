"""A model in the reader's language: the engine's problems (each carries a code, its parameters
and the label of its element, engine/spiff/structure.py; the English `message` stays for the
API), what trying a piece of model code found, and what the version diff compares
(engine/rules/model_diff.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from engine.reads.modeling import CodeCheck

from .labels import (
    DIFF_FIELDS,
    ELEMENT_TYPES,
    ESCALATION_LABELS,
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
        **_code_texts(),
        **_property_texts(),
        **_reference_texts(),
    }


def _code_texts() -> dict[str, str]:
    """Model code that does not compile; `_line` when the code has several lines."""
    return {
        "script_invalid": _("Lo script di %(name)s ha un errore: «%(value)s»."),
        "script_invalid_line": _(
            "Lo script di %(name)s ha un errore alla riga %(line)s: «%(value)s»."
        ),
        "condition_invalid": _("Una condizione in uscita da %(name)s ha un errore: «%(value)s»."),
        "condition_invalid_line": _(
            "Una condizione in uscita da %(name)s ha un errore alla riga %(line)s: «%(value)s»."
        ),
        "expression_invalid": _("L'espressione %(what)s di %(name)s ha un errore: «%(value)s»."),
        "expression_invalid_line": _(
            "L'espressione %(what)s di %(name)s ha un errore alla riga %(line)s: «%(value)s»."
        ),
    }


def _code_kinds() -> dict[str, str]:
    """Which expression of an element, as `expression_invalid` says it."""
    return {
        "timer": _("del timer"),
        "message": _("del contenuto del messaggio"),
        "dueIn": _("della scadenza"),
        "organization": _("dell'organizzazione titolare"),
        "caseOwner": _("del titolare del caso"),
    }


def code_hint(hint: str) -> str:
    """What the mistake in a piece of model code is (a hint of engine/spiff/code_checks.py),
    when it can be said reliably; "" otherwise."""
    return _hints().get(hint, "")


def _hints() -> dict[str, str]:
    return {
        "unclosed": _("Una parentesi aperta non viene chiusa."),
        "unmatched": _("Una parentesi chiusa non ha la sua parentesi aperta."),
        "mismatched": _("Una parentesi è chiusa con un tipo di parentesi diverso."),
        "unterminated": _("Un testo tra virgolette non viene chiuso."),
        "indent": _("Il rientro della riga non è coerente con le righe precedenti."),
        "colon": _("Manca «:» alla fine della riga."),
        "equals": _("Per confrontare due valori si scrive «==», non «=»."),
        "import": _("«import» non è ammesso: si usano le funzioni a disposizione dei modelli."),
        "underscore": _("I nomi che iniziano con «_» non sono ammessi."),
        "too_big": _("Il calcolo darebbe un numero troppo grande."),
        "organization": _(
            "Scrivi il codice di un'organizzazione della rete (per esempio comune_cremona) "
            "o un'espressione sui dati del caso."
        ),
        "due": _(
            "Scrivi una durata (per esempio P10D per 10 giorni) o un'espressione sui dati del caso."
        ),
    }


def _property_texts() -> dict[str, str]:
    """Task and process properties that cannot be used."""
    return {
        "bad_due": _(
            "%(name)s: la scadenza «%(value)s» non è una durata valida di al massimo 100 anni "
            "(per esempio P10D per 10 giorni, PT4H per 4 ore, P1M per un mese)."
        ),
        "unknown_form": _(
            "%(name)s usa il modulo «%(value)s», che non è né pubblicato né caricato insieme."
        ),
        "unknown_assignee": _(
            "%(name)s: l'assegnazione «%(value)s» non esiste; si può assegnare alla persona "
            "nominata nel caso, al case manager o all'operatrice del Centro antiviolenza."
        ),
        "bad_priority": _(
            "%(name)s: la priorità «%(value)s» non è un numero né una delle priorità previste "
            "(bassa, normale, alta, urgente)."
        ),
        "priority_out_of_range": _(
            "%(name)s: la priorità «%(value)s» è fuori dall'intervallo: usa un numero da 0 a "
            "1000 o una delle priorità previste."
        ),
        "bad_escalation_action": _(
            "%(name)s: i solleciti usano l'azione «%(value)s», che non esiste; le azioni sono: "
            "%(actions)s."
        ),
        "bad_escalation_delay": _(
            "%(name)s: nei solleciti «%(value)s» non è una durata valida di al massimo 100 anni "
            "(per esempio P3D per 3 giorni)."
        ),
        "bad_retention": _(
            "%(name)s: il periodo di conservazione «%(value)s» non è una durata positiva "
            "(per esempio P10Y per 10 anni)."
        ),
        "bad_restricted": _(
            "%(name)s: la proprietà «Riservato» vale «%(value)s», ma può essere solo true (sì) "
            "o false (no)."
        ),
        "unknown_organization": _(
            "%(name)s: «%(value)s» non è un'organizzazione della rete né un dato del caso "
            "(l'organizzazione titolare, l'elemento di un'attività ripetuta o un campo di un "
            "modulo)."
        ),
        "unknown_service": _("%(name)s richiama il servizio «%(value)s», che Percorsi non offre."),
        "script_missing": _(
            "%(name)s è un'attività script senza script: un caso si fermerebbe lì."
        ),
        "too_long": _("%(name)s: %(stored)s supera i %(size)s caratteri."),
        "bad_process_id": _(
            "%(name)s: l'identificativo del processo «%(value)s» deve iniziare con una lettera "
            "e contenere solo lettere, cifre, _ e - (al massimo 120)."
        ),
    }


def _stored_names() -> dict[str, str]:
    """The names Percorsi stores, as `too_long` says them."""
    return {
        "process_id": _("l'identificativo del processo"),
        "process_name": _("il nome del processo"),
        "element_id": _("l'identificativo dell'elemento"),
        "task_name": _("il nome dell'attività"),
        "group": _("il nome di un gruppo"),
        "form_key": _("il nome del modulo"),
    }


def _reference_texts() -> dict[str, str]:
    """References between the elements of a diagram that lead nowhere."""
    return {
        "flow_no_source": _("%(name)s non parte da alcun elemento del processo."),
        "flow_no_target": _("%(name)s non arriva ad alcun elemento del processo."),
        "unknown_flow_ref": _(
            "%(name)s è collegato a un flusso che non esiste: ridisegna il collegamento."
        ),
        "flow_no_condition": _(
            "%(name)s esce da un gateway esclusivo senza condizione e non è il flusso "
            "predefinito: aggiungi una condizione o rendilo il flusso predefinito."
        ),
        "call_no_process": _("%(name)s non indica quale processo richiamare."),
        "service_missing": _("%(name)s è un'attività di servizio che non richiama alcun servizio."),
        "subprocess_start": _("%(name)s è un sottoprocesso: deve avere un solo evento di inizio."),
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
    texts = _texts()
    out = []
    for found in problems:
        code = str(found.get("code"))
        if code in texts:
            params = _said(found)
            # the code's wording with the line of code when it has several
            key = f"{code}_line" if params.get("line") and f"{code}_line" in texts else code
            if not texts[key].startswith("%(name)s"):  # an unnamed element inside a sentence
                params["name"] = params["name"][:1].lower() + params["name"][1:]
            text = texts[key] % params
            if hint := code_hint(str(params.get("hint") or "")):  # the mistake, when known
                text = f"{text} {hint}"
        elif found.get("field"):
            text = _("Campo «%(field)s»: %(detail)s") % {
                "field": str(found["field"]).strip("/"),
                "detail": found.get("message", ""),
            }
        else:
            text = _("Il modello non è valido: %(detail)s") % {"detail": found.get("message", "")}
        out.append({**found, "text": text})
    return out


def _said(found: dict[str, Any]) -> dict[str, Any]:
    """A coded problem's parameters in the reader's language."""
    params = dict(found.get("params") or {})
    kind = str(params.get("kind"))
    params["expected"] = _expected().get(kind, "")
    params["what"] = _code_kinds().get(kind, "")
    params["stored"] = _stored_names().get(kind, "")
    params["actions"] = ", ".join(
        str(a)[:1].lower() + str(a)[1:] for a in ESCALATION_LABELS.values()
    )
    # «name», or an unnamed element's kind and place, in the reader's language
    named = found.get("label") or ({"name": params["name"]} if params.get("name") else None)
    params["name"] = element_text(named, quoted=True) if named else ""
    return params


def check_text(found: CodeCheck) -> str:
    """What trying the code found, in words."""
    if found.outcome == "refused":
        return refused_text(found)
    texts = {
        "failed": _("Sul caso di prova si ferma con un errore: %(detail)s"),
        "true": _("Corretta. Sul caso di prova la condizione è vera."),
        "false": _("Corretta. Sul caso di prova la condizione è falsa."),
        "ran": _("Corretto. Sul caso di prova viene eseguito senza errori."),
    }
    if found.outcome == "ran" and found.names:
        text = _("Corretto. Sul caso di prova imposta: %(detail)s.")
        return str(text % {"detail": ", ".join(found.names)})
    return str(texts[found.outcome] % {"detail": found.detail})


def refused_text(found: CodeCheck) -> str:
    """Code that does not compile: the line of code, where, and the mistake when known."""
    if found.line:
        text = _(
            "Ha un errore alla riga %(line)s: «%(detail)s».", line=found.line, detail=found.detail
        )
    else:
        text = _("Ha un errore: «%(detail)s».", detail=found.detail)
    hint = code_hint(found.hint)
    return f"{text} {hint}" if hint else str(text)


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
