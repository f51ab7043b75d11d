"""The sub-pathways called from the main pathway: young people, disability, violence."""

from __future__ import annotations

from .bpmn_dsl import Process
from .pathways import ASC, COMUNE, PROVINCIA, SOFT, task

GG_OFFER_DUE = 'due_after(gg_joined_on, "P4M")'


def giovani() -> Process:
    """Garanzia Giovani: taken in charge within 60 days, an offer within 4 months."""
    p = Process("percorso_giovani", "Percorso giovani NEET (Garanzia Giovani)")
    p.start("gg_start", "Invio a Garanzia Giovani")
    p.user(
        "gg_presa_in_carico",
        "Presa in carico Garanzia Giovani",
        **task("cpi_operator", PROVINCIA, "P60D", "gg_presa_in_carico"),
    )
    p.xor("gw_neet", "NEET 16-29?")
    p.user(
        "gg_offerta",
        "Offerta Garanzia Giovani",
        **task("cpi_operator", PROVINCIA, GG_OFFER_DUE, "gg_offerta"),
    )
    p.user(
        "gg_patto_ordinario",
        "Patto di servizio ordinario",
        **task("cpi_operator", PROVINCIA, "P30D", "patto"),
    )
    p.xor("gw_formazione", "Rientro in formazione?")
    p.user(
        "gg_iscrizione_crforma",
        "Iscrizione a Cr.Forma",
        **task("training_tutor", "cr_forma", "P30D", "iscrizione_crforma"),
    )
    p.xor("gw_gg_fine")
    p.end("gg_end", "Offerta attivata")
    p.chain("gg_start", "gg_presa_in_carico", "gw_neet")
    p.flow("gw_neet", "gg_offerta", "Sì", "neet_confirmed")
    p.default("gw_neet", p.flow("gw_neet", "gg_patto_ordinario", "No"))
    p.flow("gg_offerta", "gw_formazione")
    p.flow("gw_formazione", "gg_iscrizione_crforma", "Sì", 'offer_type == "formazione"')
    p.default("gw_formazione", p.flow("gw_formazione", "gw_gg_fine", "No"))
    p.flow("gg_iscrizione_crforma", "gw_gg_fine")
    p.flow("gg_patto_ordinario", "gw_gg_fine")
    p.flow("gw_gg_fine", "gg_end")
    return p


def disabilita() -> Process:
    """L. 68/1999 status: collocamento mirato, or a SIL inclusion traineeship with ASST."""
    p = Process("percorso_disabilita", "Percorso persone con disabilità (L. 68/1999)")
    p.start("dis_start", "Invio al percorso disabilità")
    p.user(
        "dis_verifica_l68",
        "Verifica dello status L. 68",
        **task("collocamento_operator", PROVINCIA, "P30D", "verifica_l68"),
    )
    p.xor("gw_status_l68", "Status L. 68?")
    p.user(
        "dis_iscrizione",
        "Iscrizione al collocamento mirato",
        **task("collocamento_operator", PROVINCIA, "P30D", "iscrizione_l68"),
    )
    p.script("dis_iscritto", "Iscrizione registrata", "l68_registered = True")
    p.user(
        "dis_inserimento",
        "Convenzione con cooperativa B o tirocinio",
        **task("collocamento_operator", PROVINCIA, "P60D", "inserimento_l68"),
    )
    p.par("dis_split", "SIL con ASST")
    p.user(
        "dis_progetto_sil",
        "Progetto di tirocinio di inclusione (SIL)",
        **task("sil_tutor", ASC, "P30D", "progetto_sil"),
    )
    p.user(
        "dis_parere_asst",
        "Parere ASST",
        **task("asst_operator", "asst_cremona", "P30D", "valutazione_asst"),
    )
    p.par("dis_join")
    p.xor("gw_dis_fine")
    p.end("dis_end", "Inserimento progettato")
    p.chain("dis_start", "dis_verifica_l68", "gw_status_l68")
    status = "has_l68_status(civil_invalidity_pct, work_invalidity_pct, final_report)"
    p.flow("gw_status_l68", "dis_iscrizione", "Sì", status)
    p.default("gw_status_l68", p.flow("gw_status_l68", "dis_split", "No"))
    p.chain("dis_iscrizione", "dis_iscritto", "dis_inserimento", "gw_dis_fine")
    p.chain("dis_split", "dis_progetto_sil", "dis_join")
    p.chain("dis_split", "dis_parere_asst", "dis_join")
    p.chain("dis_join", "gw_dis_fine", "dis_end")
    return p


def violenza() -> Process:
    """Women victims of violence: restricted from the start; economic and work branches."""
    p = Process("percorso_violenza", "Percorso donne vittime di violenza")
    p.props["restricted"] = "true"
    soft = {"escalation": SOFT, "priority": "high"}
    p.start("vio_start", "Invio da CAV o servizio sociale")
    p.script("vio_riservato", "Caso riservato", "restricted = True")
    p.user(
        "vio_presa_in_carico",
        "Presa in carico congiunta CAV e servizio sociale",
        **task("cav_operator", "cav_aida", "P7D", "vio_presa_in_carico", **soft),
    )
    p.par("vio_split", "Rami paralleli")
    p.user(
        "vio_reddito_liberta",
        "Domanda di Reddito di libertà",
        **task("case_manager", COMUNE, "P30D", "reddito_liberta", **soft),
    )
    p.xor("gw_occupata", "Occupata?")
    p.user(
        "vio_congedo",
        "Congedo dal lavoro (fino a 3 mesi)",
        **task("cav_operator", "cav_aida", "P15D", "congedo", **soft),
    )
    p.xor("gw_economico_fine")
    p.xor("gw_lavoro", "Percorso lavoro scelto?")
    p.user(
        "vio_piano_lavoro",
        "Orientamento e piano per il lavoro",
        **task("cpi_operator", PROVINCIA, "P30D", "patto", **soft),
    )
    p.script("vio_nessun_servizio", "Nessun servizio lavoro", "services = []")
    p.xor("gw_lavoro_fine")
    p.par("vio_join")
    p.end("vio_end", "Piano attivato")
    p.chain("vio_start", "vio_riservato", "vio_presa_in_carico", "vio_split")
    p.chain("vio_split", "vio_reddito_liberta", "gw_occupata")
    p.flow("gw_occupata", "vio_congedo", "Sì", "employed")
    p.default("gw_occupata", p.flow("gw_occupata", "gw_economico_fine", "No"))
    p.chain("vio_congedo", "gw_economico_fine", "vio_join")
    p.chain("vio_split", "gw_lavoro")
    p.flow("gw_lavoro", "vio_piano_lavoro", "Sì", "wants_work_path")
    p.default("gw_lavoro", p.flow("gw_lavoro", "vio_nessun_servizio", "No"))
    p.chain("vio_piano_lavoro", "gw_lavoro_fine", "vio_join")
    p.flow("vio_nessun_servizio", "gw_lavoro_fine")
    p.chain("vio_join", "vio_end")
    return p
