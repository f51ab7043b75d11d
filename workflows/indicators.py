"""Which elements of the bundled pathways mark the milestones and results the network's
indicators measure (engine/reporting/indicators.py and results.py).

This is the one place to change when the diagrams in bpmn/ rename their tasks: the dashboard
reads the first completion of any listed element as the milestone's date, and the results from
the named fields of their forms. Elements of earlier versions stay listed while running cases
may still use them (`avvio_servizio_cpi`: versions before services had one start each).
"""

from __future__ import annotations

from engine.reporting.indicators import IndicatorMap

from .network import SERVICE_TYPES, TRAINEESHIPS

LEGACY = ("avvio_servizio_cpi",)  # only in earlier versions of percorso_inclusione

INDICATORS = IndicatorMap(
    # Analisi preliminare: always done; 30 days for ordinary cases (its dueIn in the model). On
    # the violence pathway the CAV's taking in charge is the assessment.
    assessment=("analisi_preliminare", "vio_presa_in_carico"),
    # Patto / progetto personalizzato signed, wherever: PaIS, CPI service pact, joint project,
    # the Garanzia Giovani offer or ordinary pact, the L. 68 placement, the SIL project, the
    # violence pathway's work plan.
    patto=(
        "patto_servizio_cpi",
        "progetto_sociale",
        "patto_congiunto",
        "gg_offerta",
        "gg_patto_ordinario",
        "dis_inserimento",
        "dis_progetto_sil",
        "vio_piano_lavoro",
    ),
    # The first service actually started, whichever it is.
    first_service=(*(f"avvio_{s.code}" for s in SERVICE_TYPES), *LEGACY),
    # The outcome recorded before closure, in the `outcome` field of its form.
    outcome=("esito_percorso",),
    outcome_field="outcome",
    patto_days=60,
    service_starts=tuple((f"avvio_{s.code}", s.code) for s in SERVICE_TYPES),
    traineeship_starts=tuple(f"avvio_{code}" for code in sorted(TRAINEESHIPS)),
    traineeship_ends=("conclusione_tirocinio",),
    followup_28_days=("followup_28_giorni",),
    followup_6_months=("followup_6_mesi",),
    dropout_outcome="abbandono",
)
