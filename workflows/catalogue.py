"""The catalogue of bundled processes: what `bpmn/` holds and how each process is entered."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pathway:
    """One bundled process; `start_form` is the form of its start data (None: called only)."""

    process_id: str
    file: str
    title_it: str
    title_en: str
    start_form: str | None = None


CATALOGUE: tuple[Pathway, ...] = (
    Pathway(
        "percorso_inclusione",
        "percorso_inclusione.bpmn",
        "Percorso di inclusione attiva",
        "Active inclusion pathway",
        "segnalazione.json",
    ),
    Pathway(
        "percorso_giovani",
        "percorso_giovani.bpmn",
        "Percorso giovani NEET (Garanzia Giovani)",
        "Young NEET pathway (Garanzia Giovani)",
    ),
    Pathway(
        "percorso_disabilita",
        "percorso_disabilita.bpmn",
        "Percorso persone con disabilità (L. 68/1999)",
        "Disability pathway (L. 68/1999)",
    ),
    Pathway(
        "percorso_violenza",
        "percorso_violenza.bpmn",
        "Percorso donne vittime di violenza",
        "Pathway for women victims of violence",
    ),
)
MAIN_PROCESS = "percorso_inclusione"
DECISIONS: tuple[str, ...] = ("routing.dmn",)


def pathway(process_id: str) -> Pathway | None:
    """The catalogue entry of a process, if it is bundled."""
    return next((p for p in CATALOGUE if p.process_id == process_id), None)
