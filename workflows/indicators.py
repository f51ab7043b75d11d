"""Which elements of the bundled pathway mark the milestones the network's indicators measure.

This is the one place to change when `bpmn/percorso_inclusione.bpmn` renames its tasks: the
dashboard reads the first completion of any listed element as the milestone's date, and the
outcome from the named field of the outcome task's form data.
"""

from __future__ import annotations

from engine.reporting.indicators import IndicatorMap

INDICATORS = IndicatorMap(
    # Analisi preliminare: always done; 30 days for ordinary cases (its dueIn in the model).
    assessment=("analisi_preliminare",),
    # Patto / progetto personalizzato signed (PaIS, CPI service pact, or joint project).
    patto=("patto_servizio_cpi", "progetto_sociale", "patto_congiunto"),
    # The first service actually started, whichever branch it comes from.
    first_service=(
        "avvio_servizio_cpi",
        "avvio_formazione",
        "avvio_tirocinio_inclusione",
        "avvio_inserimento_coop_b",
        "avvio_convenzione_l68",
    ),
    # The outcome recorded before closure, in the `esito` field of its form.
    outcome=("esito_percorso",),
    outcome_field="outcome",
    patto_days=60,
)
