"""Messages for JSON Schema validation errors, in the user's language (Italian first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from engine.spiff.forms import value_type


def _type_message(prop: dict[str, Any]) -> str:
    kind = value_type(prop)
    if kind == "integer":
        return str(_("Inserire un numero intero."))
    if kind == "number":
        return str(_("Inserire un numero."))
    if kind == "boolean":
        return str(_("Scegliere «Sì» oppure «No»."))
    return str(_("Il valore inserito non è del tipo atteso."))


def _format_message(prop: dict[str, Any]) -> str:
    kind = prop.get("format")
    if kind == "date":
        return str(_("Inserire una data valida (giorno, mese, anno)."))
    if kind == "email":
        return str(_("Inserire un indirizzo e-mail valido."))
    return str(_("Il formato del valore non è valido."))


def _const_message(prop: dict[str, Any]) -> str:
    if prop.get("const") is True:
        return str(_("Senza questa conferma non si può procedere: scegliere «Sì»."))
    return str(_("Scegliere uno dei valori proposti."))


def _age_message(prop: dict[str, Any]) -> str:
    found = prop.get("x-age")
    bounds: dict[str, Any] = found if isinstance(found, dict) else {}
    if "min" in bounds and "max" in bounds:
        return str(_("L'età deve essere tra %(a)s e %(b)s anni.", a=bounds["min"], b=bounds["max"]))
    return str(_("L'età indicata non è ammessa per questo percorso."))


def _list_kind(prop: dict[str, Any]) -> str | None:
    """ "rows" for a list of objects, "choices" for a checkbox group, None for other fields."""
    if value_type(prop) != "array":
        return None
    items = prop.get("items")
    return "rows" if isinstance(items, dict) and value_type(items) == "object" else "choices"


def _required_message(prop: dict[str, Any]) -> str:
    kind = _list_kind(prop)
    if kind == "rows":
        return str(_("Campo obbligatorio: compilare almeno una riga."))
    if kind == "choices":
        return str(_("Campo obbligatorio: selezionare almeno una voce."))
    return str(_("Campo obbligatorio: inserire un valore."))


def _tax_code_message(problem: dict[str, Any]) -> str:
    reason = problem.get("reason")
    if reason == "length":
        return str(
            _(
                "Il codice fiscale ha %(n)s caratteri: ne servono 16 (oppure 11 cifre se è "
                "provvisorio).",
                n=problem.get("length", "?"),
            )
        )
    if reason == "check":
        return str(
            _(
                "Codice fiscale non valido: il carattere di controllo (l'ultimo) non "
                "corrisponde agli altri 15. Controllare di averlo trascritto esattamente."
            )
        )
    return str(
        _(
            "Il codice fiscale non ha la forma prevista: 6 lettere, 2 cifre, 1 lettera, "
            "2 cifre, 1 lettera, 3 cifre e la lettera di controllo."
        )
    )


def error_message(code: str, prop: dict[str, Any], problem: dict[str, Any] | None = None) -> str:
    """The message for one jsonschema error code on a property of the form."""
    bound = {
        "minimum": prop.get("minimum"),
        "maximum": prop.get("maximum"),
        "exclusiveMinimum": prop.get("exclusiveMinimum"),
        "exclusiveMaximum": prop.get("exclusiveMaximum"),
        "maxLength": prop.get("maxLength"),
        "minLength": prop.get("minLength"),
        "minItems": prop.get("minItems"),
        "maxItems": prop.get("maxItems"),
    }.get(code)
    messages: dict[str, Callable[[], str]] = {
        "required": lambda: _required_message(prop),
        "type": lambda: _type_message(prop),
        "enum": lambda: _("Scegliere uno dei valori proposti."),
        "const": lambda: _const_message(prop),
        "tax_code": lambda: _tax_code_message(problem or {}),
        "oneOf": lambda: _("Scegliere uno dei valori proposti."),
        "minimum": lambda: _("Il valore minimo consentito è %(n)s.", n=bound),
        "maximum": lambda: _("Il valore massimo consentito è %(n)s.", n=bound),
        "exclusiveMinimum": lambda: _("Il valore deve essere maggiore di %(n)s.", n=bound),
        "exclusiveMaximum": lambda: _("Il valore deve essere minore di %(n)s.", n=bound),
        "maxLength": lambda: _("Inserire al massimo %(n)s caratteri.", n=bound),
        "minLength": lambda: _("Inserire almeno %(n)s caratteri.", n=bound),
        "format": lambda: _format_message(prop),
        "pattern": lambda: _("Il formato del valore non è valido."),
        "minItems": lambda: (
            _("Inserire almeno %(n)s righe.", n=bound)
            if _list_kind(prop) == "rows"
            else _("Selezionare almeno %(n)s voci.", n=bound)
        ),
        "maxItems": lambda: (
            _("Inserire al massimo %(n)s righe.", n=bound)
            if _list_kind(prop) == "rows"
            else _("Selezionare al massimo %(n)s voci.", n=bound)
        ),
        "uniqueItems": lambda: _("Ogni voce può essere scelta una sola volta."),
        "additionalProperties": lambda: _("Il modulo contiene campi non previsti."),
        "x-not-after": lambda: _("La data non può essere nel futuro."),
        "x-not-before": lambda: _("La data non può essere già passata."),
        "x-age": lambda: _age_message(prop),
    }
    chosen: Callable[[], str] = messages.get(code, lambda: _("Il valore inserito non è valido."))
    return str(chosen())
