"""The network's pathways (DOMAIN.md) as processes: the main pathway and three sub-pathways."""

from __future__ import annotations

from .bpmn_dsl import Process

COMUNE, PROVINCIA, ASC = "comune_cremona", "provincia_cremona", "azienda_sociale_cremonese"
SOFT = "P0D:notify_assignee"  # violence pathway: no legal deadlines, only a reminder

ANALISI_DUE = 'due_after(pad_date, "P120D") if adi else "P30D"'
PACT_DUE = 'due_after(first_meeting_date, "P60D") if adi else "P30D"'
OUTCOME_DUE = 'latest_end(services, "P12M")'
MAX_LENGTH = 'max_service_length(service["type"], target_group, disadvantaged)'
CLASSIFY = (
    'restricted = target_group == "violenza"\n'
    "admitted = entry_allowed(target_group, referring_organization)\n"
    "l68_registered = False"
)


def task(groups: str, org: str, due: str, form: str, **extra: str) -> dict[str, str]:
    """The Percorsi properties of a user task."""
    props = {"candidateGroups": groups, "organization": org, "dueIn": due}
    props["formKey"] = f"{form}.json"
    props.update(extra)
    return props


def cm(due: str, form: str, **extra: str) -> dict[str, str]:
    """A task for the case manager (the Comune's social service, lead body of the Ambito)."""
    return task("case_manager", COMUNE, due, form, **extra)


def inclusione() -> Process:
    """percorso_inclusione: referral to follow-up, routing to the sub-pathways."""
    p = Process("percorso_inclusione", "Percorso di inclusione attiva")
    p.props["restrictedTargetGroups"] = "violenza"
    p.start("segnalazione", "Segnalazione", formKey="segnalazione.json")
    p.script("classificazione", "Classificazione della segnalazione", CLASSIFY)
    p.xor("gw_ammissione", "Ingresso ammesso?")
    p.end("end_non_ammessa", "Segnalazione non ammessa")
    p.user("presa_atto", "Presa d'atto e verifica di competenza", **cm("P7D", "presa_atto"))
    p.xor("gw_competenza", "Residente nell'Ambito?")
    p.user("invio_fuori_ambito", "Invio all'ambito competente", **cm("P15D", "invio_fuori_ambito"))
    p.end("end_fuori_ambito", "Chiuso: fuori competenza")
    p.user("analisi_preliminare", "Analisi preliminare", **cm(ANALISI_DUE, "analisi_preliminare"))
    p.rule("instradamento", "Instradamento (DMN)", "routing")
    p.xor("gw_instradamento", "Quale percorso?")
    p.xor("gw_patto", "Patto firmato")
    _routes(p)
    _services_and_outcome(p)
    _closure_and_followup(p)
    return p


def _routes(p: Process) -> None:
    p.user(
        "patto_servizio_cpi",
        "Patto di servizio personalizzato (CPI)",
        **task("cpi_operator", PROVINCIA, PACT_DUE, "patto"),
    )
    p.user("progetto_sociale", "Progetto personalizzato (PaIS)", **cm(PACT_DUE, "patto"))
    _equipe(p.subprocess("valutazione_multidimensionale", "Valutazione multidimensionale"))
    p.user("patto_congiunto", "Firma del patto congiunto", **cm(PACT_DUE, "patto"))
    p.call("call_giovani", "Percorso giovani (Garanzia Giovani)", "percorso_giovani")
    p.call("call_disabilita", "Percorso disabilità (L. 68/1999)", "percorso_disabilita")
    p.call("call_violenza", "Percorso donne vittime di violenza", "percorso_violenza")
    p.chain("segnalazione", "classificazione", "gw_ammissione")
    p.flow("gw_ammissione", "presa_atto", "Sì", "admitted")
    p.default("gw_ammissione", p.flow("gw_ammissione", "end_non_ammessa", "No"))
    p.flow("presa_atto", "gw_competenza")
    p.flow("gw_competenza", "analisi_preliminare", "Sì", "resident")
    p.default("gw_competenza", p.flow("gw_competenza", "invio_fuori_ambito", "No"))
    p.flow("invio_fuori_ambito", "end_fuori_ambito")
    p.chain("analisi_preliminare", "instradamento", "gw_instradamento")
    for route, target, label in (
        ("cpi", "patto_servizio_cpi", "Pronto per il lavoro"),
        ("equipe", "valutazione_multidimensionale", "Bisogni complessi"),
        ("giovani", "call_giovani", "Giovani NEET"),
        ("disabilita", "call_disabilita", "Disabilità"),
        ("violenza", "call_violenza", "Violenza"),
    ):
        p.flow("gw_instradamento", target, label, f'route == "{route}"')
    social = p.flow("gw_instradamento", "progetto_sociale", "Bisogni sociali semplici")
    p.default("gw_instradamento", social)
    p.flow("valutazione_multidimensionale", "patto_congiunto")
    for last in ("patto_servizio_cpi", "progetto_sociale", "patto_congiunto"):
        p.flow(last, "gw_patto")
    for call in ("call_giovani", "call_disabilita", "call_violenza"):
        p.flow(call, "gw_patto")


CONTRIBUTIONS = (
    ("sociale", "Contributo del servizio sociale", "equipe_member", ASC),
    (
        "lavoro",
        "Contributo CPI / collocamento mirato",
        "equipe_member,cpi_operator,collocamento_operator",
        PROVINCIA,
    ),
    ("sanitario", "Contributo ASST", "equipe_member,asst_operator", "asst_cremona"),
    (
        "formazione",
        "Contributo dell'ente di formazione",
        "equipe_member,training_tutor",
        "cr_forma",
    ),
    ("cooperativa", "Contributo della cooperativa", "equipe_member,coop_tutor", "confcooperative"),
)


def _equipe(vm: Process) -> None:
    """The Equipe di sistema: five contributions in parallel, then the synthesis."""
    vm.start("vm_start", "Caso complesso")
    vm.par("vm_split")
    vm.par("vm_join")
    vm.user(
        "sintesi_equipe",
        "Sintesi dell'Equipe di sistema",
        **task("equipe_member,case_manager", COMUNE, "P30D", "sintesi_equipe"),
    )
    vm.end("vm_end", "Valutazione conclusa")
    vm.chain("vm_start", "vm_split")
    for key, name, groups, org in CONTRIBUTIONS:
        keep = (
            f'contributo_{key} = {{"assessment": assessment, '
            '"proposed_services": proposed_services}'
        )
        vm.user(
            f"contributo_{key}",
            name,
            **task(groups, org, "P21D", "contributo_equipe", postScript=keep),
        )
        vm.chain("vm_split", f"contributo_{key}", "vm_join")
    vm.chain("vm_join", "sintesi_equipe", "vm_end")


def _services_and_outcome(p: Process) -> None:
    p.par("avvio_split", "Avvio")
    p.xor("gw_servizi", "Servizi scelti?")
    _service(
        p.subprocess(
            "attivazione_servizi",
            "Attivazione dei servizi",
            {
                "input": "services",
                "output": "service_results",
                "item": "service",
                "result": "service_result",
            },
        )
    )
    p.xor("gw_servizi_fine")
    p.user("esito_percorso", "Esito del percorso", **cm(OUTCOME_DUE, "esito_percorso"))
    p.boundary(
        "ogni_90_giorni",
        "Ogni 90 giorni",
        "esito_percorso",
        "timeCycle",
        '"R/P90D"',
        interrupting=False,
    )
    p.user(
        "verifica_periodica",
        "Verifica periodica (90 giorni)",
        **task("case_manager,equipe_member", COMUNE, "P15D", "verifica_periodica"),
    )
    p.end("end_verifica", "Verifica registrata")
    p.boundary(
        "ogni_anno", "Ogni anno", "esito_percorso", "timeCycle", '"R/P1Y"', interrupting=False
    )
    p.xor("gw_l68", "Iscritto al collocamento mirato?")
    p.user(
        "aggiornamento_l68",
        "Aggiornamento annuale iscrizione L. 68",
        **task("collocamento_operator", PROVINCIA, "P30D", "aggiornamento_l68"),
    )
    p.end("end_l68", "Iscrizione aggiornata")
    p.end("end_l68_non_iscritto", "Nessuna iscrizione L. 68")
    p.par("esito_join")
    p.chain("gw_patto", "avvio_split", "gw_servizi")
    p.flow("gw_servizi", "attivazione_servizi", "Sì", "len(services) > 0")
    p.default("gw_servizi", p.flow("gw_servizi", "gw_servizi_fine", "Nessuno"))
    p.chain("attivazione_servizi", "gw_servizi_fine", "esito_join")
    p.chain("avvio_split", "esito_percorso", "esito_join")
    p.chain("ogni_90_giorni", "verifica_periodica", "end_verifica")
    p.flow("ogni_anno", "gw_l68")
    p.flow("gw_l68", "aggiornamento_l68", "Sì", "l68_registered")
    p.default("gw_l68", p.flow("gw_l68", "end_l68_non_iscritto", "No"))
    p.flow("aggiornamento_l68", "end_l68")


PROVIDERS = (
    ("formazione", "Avvio formazione (Cr.Forma)", "training_tutor", "cr_forma"),
    ("tirocinio_inclusione", "Avvio tirocinio di inclusione (SIL)", "sil_tutor", ASC),
    ("inserimento_coop_b", "Avvio inserimento in cooperativa B", "coop_tutor", "confcooperative"),
    ("convenzione_l68", "Avvio convenzione L. 68", "collocamento_operator", PROVINCIA),
)


def _service(s: Process) -> None:
    """One chosen service: started by the organisation that delivers it, then closed."""
    s.start("servizio_start", "Servizio scelto")
    s.xor("gw_erogatore", "Chi eroga il servizio?")
    s.xor("gw_avviato")
    for code, name, role, org in PROVIDERS:
        s.user(f"avvio_{code}", name, **task(role, org, "P30D", "avvio_servizio"))
        s.flow("gw_erogatore", f"avvio_{code}", code, f'service["type"] == "{code}"')
        s.flow(f"avvio_{code}", "gw_avviato")
    s.user(
        "avvio_servizio_cpi",
        "Avvio servizio (CPI)",
        **task("cpi_operator", PROVINCIA, "P30D", "avvio_servizio"),
    )
    s.default("gw_erogatore", s.flow("gw_erogatore", "avvio_servizio_cpi", "altri servizi"))
    s.flow("avvio_servizio_cpi", "gw_avviato")
    s.user(
        "conclusione_servizio",
        "Conclusione del servizio",
        **cm('service["end_date"]', "esito_servizio"),
    )
    s.boundary(
        "durata_massima",
        "Durata massima",
        "conclusione_servizio",
        "timeDuration",
        MAX_LENGTH,
        interrupting=True,
    )
    s.script(
        "registra_esito",
        "Registra l'esito",
        'service_result = {"type": service["type"], "result": result, "end_date": end_date}',
    )
    s.script(
        "registra_durata_massima",
        "Chiusura per durata massima",
        'service_result = {"type": service["type"], "result": "durata_massima"}',
    )
    s.end("servizio_end", "Servizio concluso")
    s.end("servizio_end_max", "Durata massima raggiunta")
    s.chain("servizio_start", "gw_erogatore")
    s.chain("gw_avviato", "conclusione_servizio", "registra_esito", "servizio_end")
    s.chain("durata_massima", "registra_durata_massima", "servizio_end_max")


def _closure_and_followup(p: Process) -> None:
    p.user("chiusura", "Chiusura del percorso", **cm("P15D", "chiusura"))
    p.service("date_followup", "Calcolo delle date di follow-up", "followup_dates", "followup")
    p.timer("attesa_28_giorni", "28 giorni dall'uscita", "timeDate", 'followup["day28"]')
    p.user("followup_28_giorni", "Follow-up a 28 giorni", **cm("P7D", "followup"))
    p.timer("attesa_6_mesi", "6 mesi dall'uscita", "timeDate", 'followup["month6"]')
    p.user("followup_6_mesi", "Follow-up a 6 mesi", **cm("P7D", "followup"))
    p.end("end_percorso", "Percorso concluso")
    p.chain(
        "esito_join",
        "chiusura",
        "date_followup",
        "attesa_28_giorni",
        "followup_28_giorni",
        "attesa_6_mesi",
        "followup_6_mesi",
        "end_percorso",
    )
