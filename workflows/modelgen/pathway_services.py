"""The main pathway after the pact: the Equipe per case, the services, the outcome, follow-ups."""

from __future__ import annotations

from ..network import SERVICE_TYPES, TRAINEESHIPS
from .bpmn_dsl import Process
from .task_props import LEADS, OWNER, cm, task

OUTCOME_DUE = 'latest_end(services, "P12M")'
MAX_LENGTH = (
    'max_service_length(service["type"], l68_status, disadvantaged, eqf_level, extension_months)'
)
CONTRIBUTORS = ",".join(
    [
        "equipe_member",
        "case_manager",
        "cpi_operator",
        "collocamento_operator",
        "asst_operator",
        "sil_tutor",
        "training_tutor",
        "coop_tutor",
    ]
)
MISSING = "Contributo non pervenuto entro la riunione dell'Equipe: il caso prosegue senza"


def equipe(vm: Process) -> None:
    """The Equipe di sistema for one case: the case manager chooses the partners and the
    meeting; each partner contributes before it (one task per partner); a missing contribution
    is recorded with a note and the case goes on; then the synthesis."""
    vm.start("vm_start", "Caso complesso")
    vm.user("convocazione_equipe", "Convocazione dell'Equipe", **cm("P15D", "convocazione_equipe"))
    loop = {
        "input": "equipe_partners",
        "output": "equipe_contributions",
        "item": "equipe_partner",
        "result": "equipe_contribution",
    }
    _contribution(vm.subprocess("contributi_equipe", "Contributi dei partner", loop))
    vm.user(
        "sintesi_equipe",
        "Sintesi dell'Equipe di sistema",
        **cm('due_after(meeting_date, "P7D")', "sintesi_equipe"),
    )
    vm.end("vm_end", "Valutazione conclusa")
    vm.chain("vm_start", "convocazione_equipe", "contributi_equipe", "sintesi_equipe", "vm_end")


def _contribution(c: Process) -> None:
    """One partner's contribution, due before the meeting; at the meeting it is closed."""
    c.start("contributo_start", "Partner chiamato")
    c.user(
        "contributo_equipe",
        "Contributo alla valutazione",
        **task(CONTRIBUTORS, "equipe_partner", "meeting_date", "contributo_equipe"),
    )
    c.boundary(
        "riunione_equipe",
        "Riunione dell'Equipe",
        "contributo_equipe",
        "timeDate",
        "start_of(meeting_date)",
        interrupting=True,
    )
    c.script(
        "contributo_ricevuto",
        "Contributo ricevuto",
        'equipe_contribution = {"organization": equipe_partner, "received": True, '
        '"assessment": assessment, "proposed_services": proposed_services}',
    )
    c.script(
        "contributo_mancante",
        "Contributo mancante",
        f'equipe_contribution = {{"organization": equipe_partner, "received": False, '
        f'"note": "{MISSING}"}}',
    )
    c.end("contributo_end", "Contributo dato")
    c.end("contributo_end_mancante", "Senza contributo")
    c.chain("contributo_start", "contributo_equipe", "contributo_ricevuto", "contributo_end")
    c.chain("riunione_equipe", "contributo_mancante", "contributo_end_mancante")


def services_and_outcome(p: Process) -> None:
    p.par("avvio_split", "Avvio")
    p.xor("gw_servizi", "Servizi scelti?")
    loop = {
        "input": "services",
        "output": "service_results",
        "item": "service",
        "result": "service_result",
    }
    _service(p.subprocess("attivazione_servizi", "Attivazione dei servizi", loop))
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
        **task(f"{LEADS},equipe_member", OWNER, "P15D", "verifica_periodica", assignee="named"),
    )
    p.end("end_verifica", "Verifica registrata")
    p.boundary(
        "ogni_anno", "Ogni anno", "esito_percorso", "timeCycle", '"R/P1Y"', interrupting=False
    )
    p.xor("gw_l68", "Iscritto al collocamento mirato?")
    p.user(
        "aggiornamento_l68",
        "Aggiornamento annuale iscrizione L. 68",
        **task("collocamento_operator", "provincia_cremona", "P30D", "aggiornamento_l68"),
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


def _service(s: Process) -> None:
    """One chosen service: started by who delivers it, closed at its end or its maximum length
    (a tirocinio di inclusione may be extended when the service in charge attests the need)."""
    s.start("servizio_start", "Servizio scelto")
    s.script("servizio_init", "Durata massima di base", "eqf_level = 0\nextension_months = 0")
    s.xor("gw_erogatore", "Chi eroga il servizio?")
    s.xor("gw_avviato")
    s.xor("gw_tirocinio", "Tirocinio?")
    s.chain("servizio_start", "servizio_init", "gw_erogatore")
    for i, kind in enumerate(SERVICE_TYPES):
        form = "avvio_tirocinio" if kind.code in TRAINEESHIPS else "avvio_servizio"
        name = f"Avvio: {kind.it}"
        s.user(f"avvio_{kind.code}", name, **task(kind.role, kind.organization, "P30D", form))
        if i == len(SERVICE_TYPES) - 1:  # the last type is the default: no case stops here
            s.default("gw_erogatore", s.flow("gw_erogatore", f"avvio_{kind.code}", kind.code))
        else:
            condition = f'service["type"] == "{kind.code}"'
            s.flow("gw_erogatore", f"avvio_{kind.code}", kind.code, condition)
        s.flow(f"avvio_{kind.code}", "gw_avviato")
    _closing(s, "conclusione_servizio", "Conclusione del servizio", "esito_servizio", "")
    _closing(
        s, "conclusione_tirocinio", "Conclusione del tirocinio", "esito_tirocinio", "_tirocinio"
    )
    s.chain("gw_avviato", "gw_tirocinio")
    traineeship = f'service["type"] in {sorted(TRAINEESHIPS)!r}'
    s.flow("gw_tirocinio", "conclusione_tirocinio", "Tirocinio", traineeship)
    s.default("gw_tirocinio", s.flow("gw_tirocinio", "conclusione_servizio", "Altro servizio"))
    _extension(s)


def _closing(s: Process, element: str, name: str, form: str, suffix: str) -> None:
    s.user(element, name, **cm('service["end_date"]', form))
    s.boundary(
        f"durata_massima{suffix}",
        "Durata massima",
        element,
        "timeDuration",
        MAX_LENGTH,
        interrupting=True,
    )
    s.script(
        f"registra_esito{suffix}",
        "Registra l'esito",
        'service_result = {"type": service["type"], "result": result, "end_date": end_date}',
    )
    s.script(
        f"registra_durata_massima{suffix}",
        "Chiusura per durata massima",
        'service_result = {"type": service["type"], "result": "durata_massima"}',
    )
    s.end(f"servizio_end{suffix}", "Servizio concluso")
    s.end(f"servizio_end_max{suffix}", "Durata massima raggiunta")
    s.chain(element, f"registra_esito{suffix}", f"servizio_end{suffix}")
    if not suffix:
        s.chain(f"durata_massima{suffix}", f"registra_durata_massima{suffix}")
    s.flow(f"registra_durata_massima{suffix}", f"servizio_end_max{suffix}")


def _extension(s: Process) -> None:
    """At 24 months a tirocinio di inclusione may be extended (Accordo 22/01/2015)."""
    s.xor("gw_proroga", "Tirocinio di inclusione?")
    s.user("proroga_tirocinio", "Proroga del tirocinio", **cm("P15D", "proroga_tirocinio"))
    s.xor("gw_prorogato", "Prorogato?")
    s.flow("durata_massima_tirocinio", "gw_proroga")
    inclusion = 'service["type"] == "tirocinio_inclusione"'
    s.flow("gw_proroga", "proroga_tirocinio", "Sì", inclusion)
    s.default("gw_proroga", s.flow("gw_proroga", "registra_durata_massima_tirocinio", "No"))
    s.flow("proroga_tirocinio", "gw_prorogato")
    s.flow("gw_prorogato", "conclusione_tirocinio", "Prorogato", "extend")
    s.default(
        "gw_prorogato", s.flow("gw_prorogato", "registra_durata_massima_tirocinio", "Concluso")
    )


def closure_and_followup(p: Process) -> None:
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


__all__ = ["closure_and_followup", "equipe", "services_and_outcome"]
