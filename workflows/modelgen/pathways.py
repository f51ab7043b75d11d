"""The main pathway (DOMAIN.md): referral, competence, assessment, routing, pact; the services,
the outcome and the follow-ups are in pathway_services.py, the sub-pathways in subpathways.py."""

from __future__ import annotations

from .bpmn_dsl import Process
from .pathway_services import closure_and_followup, equipe, services_and_outcome
from .task_props import PROVINCIA, cm, task

ANALISI_DUE = 'due_after(pad_date, "P120D") if adi else "P30D"'
PACT_DUE = 'due_after(first_meeting_date, "P60D") if adi else "P30D"'
CASE_OWNER = "case_owner_for(target_group, comune, referring_organization)"
# Names the later steps read, defined once (a form that asks for them overwrites them).
CLASSIFY = "\n".join(
    [
        'restricted = target_group == "violenza"',
        "admitted = entry_allowed(target_group, referring_organization)",
        "l68_registered = False",
        "l68_status = False",
        "disadvantaged = False",
        "pad_date = None",
        "gg_joined_on = None",
        "services = []",
    ]
)


def inclusione() -> Process:
    """percorso_inclusione: referral to follow-up, routing to the sub-pathways."""
    p = Process(
        "percorso_inclusione",
        "Percorso di inclusione attiva",
        caseOwner=CASE_OWNER,
        restrictedTargetGroups="violenza",
    )
    p.start("segnalazione", "Segnalazione", formKey="segnalazione.json")
    p.script("classificazione", "Classificazione della segnalazione", CLASSIFY)
    p.xor("gw_ammissione", "Ingresso ammesso?")
    p.end("end_non_ammessa", "Segnalazione non ammessa")
    p.xor("gw_violenza", "Percorso per la violenza?")
    p.user("presa_atto", "Presa d'atto e verifica di competenza", **cm("P7D", "presa_atto"))
    p.xor("gw_competenza", "Residente nell'Ambito?")
    p.user("invio_fuori_ambito", "Invio all'ambito competente", **cm("P15D", "invio_fuori_ambito"))
    p.end("end_fuori_ambito", "Chiuso: fuori competenza")
    p.user("analisi_preliminare", "Analisi preliminare", **cm(ANALISI_DUE, "analisi_preliminare"))
    p.rule("instradamento", "Instradamento (DMN)", "routing")
    p.xor("gw_patto", "Patto firmato")
    p.chain("segnalazione", "classificazione", "gw_ammissione")
    p.flow("gw_ammissione", "gw_violenza", "Sì", "admitted")
    p.default("gw_ammissione", p.flow("gw_ammissione", "end_non_ammessa", "No"))
    p.call("call_violenza", "Percorso donne vittime di violenza", "percorso_violenza")
    # The CAV takes a violence case in charge first: residence does not close it.
    p.flow("gw_violenza", "call_violenza", "Sì", 'target_group == "violenza"')
    p.default("gw_violenza", p.flow("gw_violenza", "presa_atto", "No"))
    p.flow("call_violenza", "gw_patto")
    p.flow("presa_atto", "gw_competenza")
    p.flow("gw_competenza", "analisi_preliminare", "Sì", "resident")
    p.default("gw_competenza", p.flow("gw_competenza", "invio_fuori_ambito", "No"))
    p.flow("invio_fuori_ambito", "end_fuori_ambito")
    p.chain("analisi_preliminare", "instradamento")
    equipe(p.subprocess("valutazione_multidimensionale", "Valutazione multidimensionale"))
    _routes(p)
    services_and_outcome(p)
    closure_and_followup(p)
    return p


def _routes(p: Process) -> None:
    """The route of routing.dmn and, for complex needs, the Equipe's assessment beside it."""
    p.par("split_valutazione", "Percorso ed Equipe")
    p.xor("gw_instradamento", "Quale percorso?")
    p.xor("gw_instradamento_fine")
    p.xor("gw_equipe", "Valutazione dell'Equipe?")
    p.xor("gw_equipe_fine")
    p.par("join_valutazione")
    p.xor("gw_congiunto", "Patto congiunto?")
    p.user(
        "patto_servizio_cpi",
        "Patto di servizio personalizzato (CPI)",
        **task("cpi_operator", PROVINCIA, PACT_DUE, "patto"),
    )
    p.user("progetto_sociale", "Progetto personalizzato (PaIS)", **cm(PACT_DUE, "patto"))
    p.user("patto_congiunto", "Firma del patto congiunto", **cm(PACT_DUE, "patto"))
    p.call("call_giovani", "Percorso giovani (Garanzia Giovani)", "percorso_giovani")
    p.call("call_disabilita", "Percorso disabilità (L. 68/1999)", "percorso_disabilita")
    p.chain("instradamento", "split_valutazione", "gw_instradamento")
    for route, target, label in (
        ("cpi", "patto_servizio_cpi", "Pronto per il lavoro"),
        ("giovani", "call_giovani", "Giovani NEET"),
        ("disabilita", "call_disabilita", "Disabilità"),
    ):
        p.flow("gw_instradamento", target, label, f'route == "{route}"')
        p.flow(target, "gw_instradamento_fine")
    p.flow("gw_instradamento", "gw_instradamento_fine", "Solo Equipe", 'route == "equipe"')
    social = p.flow("gw_instradamento", "progetto_sociale", "Bisogni sociali semplici")
    p.default("gw_instradamento", social)
    p.flow("progetto_sociale", "gw_instradamento_fine")
    p.chain("split_valutazione", "gw_equipe")
    p.flow("gw_equipe", "valutazione_multidimensionale", "Bisogni complessi", "equipe_needed")
    p.default("gw_equipe", p.flow("gw_equipe", "gw_equipe_fine", "No"))
    p.flow("valutazione_multidimensionale", "gw_equipe_fine")
    p.chain("gw_instradamento_fine", "join_valutazione")
    p.chain("gw_equipe_fine", "join_valutazione", "gw_congiunto")
    p.flow("gw_congiunto", "patto_congiunto", "Sì", 'route == "equipe"')
    p.default("gw_congiunto", p.flow("gw_congiunto", "gw_patto", "No"))
    p.flow("patto_congiunto", "gw_patto")
