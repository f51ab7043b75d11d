"""The words of the migration pages: outcomes, kinds of element, and why a case cannot move.

The engine says why in English, with a code and parameters; here each code becomes Italian
(and English through the catalogue)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import InvalidInput

from .labels import element_text

OUTCOMES = {
    "migrated": _l("Spostato"),
    "can_migrate": _l("Si può spostare"),
    "refused": _l("Non spostabile"),
    "unchanged": _l("Già sulla versione"),
    "skipped": _l("Escluso"),
    "failed": _l("Errore"),
    "pending": _l("Da esaminare"),
}
KINDS = {
    "human task": _l("un'attività di una persona"),
    "timer": _l("un timer"),
    "message event": _l("un evento messaggio"),
    "subprocess": _l("un sottoprocesso"),
    "multi-instance activity": _l("un'attività ripetuta per più elementi"),
    "join": _l("una confluenza di rami paralleli"),
    "automatic step": _l("un passo automatico"),
}
STATES = {
    "ready": _l("da svolgere"),
    "waiting": _l("in attesa"),
    "started": _l("in corso"),
    "failed": _l("in errore"),
}
STATUSES = {"running": _l("in corso"), "completed": _l("concluso"), "cancelled": _l("annullato")}


def state_text(state: str) -> str:
    return str(STATES.get(state, state))


def problem_text(problem: dict[str, Any], fallback: str = "") -> str:
    """Why a case cannot move, in the user's language."""
    return str(_problem_text(problem) or fallback)


def _problem_text(problem: dict[str, Any]) -> Any:
    code, p = problem.get("code"), dict(problem.get("params") or {})
    if code == "no_target":
        return _(
            "%(name)s (%(state)s) non ha un elemento corrispondente nella versione di "
            "destinazione: indica dove spostarlo.",
            name=_element(p),
            state=state_text(str(p.get("state", ""))),
        )
    if code == "kind":
        return _(
            "%(name)s è %(kind)s, ma %(target)s nella versione di destinazione è %(other)s.",
            name=_element(p),
            kind=KINDS.get(str(p.get("kind")), p.get("kind")),
            target=_element(p, "target"),
            other=KINDS.get(str(p.get("target_kind")), p.get("target_kind")),
        )
    if code == "missing_data":
        return _(
            "La versione %(to)s legge il dato «%(name)s» (%(where)s), che il caso non ha: "
            "indica un valore predefinito.",
            to=p.get("to"),
            name=p.get("name"),
            where="; ".join(p.get("where") or []),
        )
    return _simple(str(code), p)


def _element(p: dict[str, Any], key: str = "") -> str:
    """The element a problem names, in words (a report stored before labels has its name)."""
    found = p.get(f"{key}_label" if key else "label")
    return element_text(found, quoted=True, fallback=str(p.get(key or "name") or ""))


def _simple(code: str, p: dict[str, Any]) -> str | None:
    texts = {
        "subprocess": lambda: _(
            "Il sottoprocesso %(name)s in cui si trova il caso non esiste nella versione di "
            "destinazione.",
            name=_element(p),
        ),
        "join_arrival": lambda: _(
            "Un ramo ha raggiunto %(name)s passando da un elemento che la nuova versione non "
            "ha: indica a quale dei suoi ingressi corrisponde.",
            name=_element(p),
        ),
        "join_never": lambda: _(
            "%(name)s attenderebbe per sempre il ramo di %(step)s, che questo caso non ha "
            "mai avviato.",
            name=_element(p),
            step=_element(p, "step"),
        ),
        "target_fails": lambda: _(
            "La versione di destinazione non riesce a proseguire da dove si trova il caso: "
            "%(error)s",
            error=p.get("error"),
        ),
        "already": lambda: _("Il caso è già sulla versione %(to)s.", to=p.get("to")),
        "status": lambda: _(
            "Il caso è %(status)s.", status=STATUSES.get(str(p.get("status")), p.get("status"))
        ),
        "other_version": lambda: _(
            "Il caso è sulla versione %(version)s, non sulla %(source)s.",
            version=p.get("version"),
            source=p.get("source"),
        ),
        "other_process": lambda: _("Il caso segue un altro percorso."),
        "no_case": lambda: _("Non esiste un caso con questo riferimento."),
        "unexpected": lambda: _("Errore imprevisto: il caso non è stato modificato."),
        "error": lambda: _("Il caso non è stato modificato: %(error)s", error=p.get("error")),
    }
    text = texts.get(code)
    return text() if text is not None else None


def field_errors(error: InvalidInput) -> dict[str, str]:
    """The form's fields with what is wrong with each, in the user's language."""
    found: dict[str, str] = {}
    for problem in error.problems:
        field = str(problem.get("field") or "")
        if field.startswith("mapping."):
            found[field.replace("mapping.", "map.", 1)] = _(
                "La versione di destinazione non ha l'elemento scelto."
            )
        elif field.startswith("defaults."):
            found["defaults"] = _(
                "«%(name)s» non è un nome di dato utilizzabile.", name=field.split(".", 1)[1]
            )
        elif field == "cases":
            found["cases"] = _(
                "Nessun caso in corso corrisponde alla scelta: non c'è nulla da spostare."
            )
        elif field in ("to", "from"):
            found[field] = _("Questa versione non esiste.")
        else:
            found[field or "form"] = str(problem.get("message", error.detail))
    return found
