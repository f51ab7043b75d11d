"""The bundled forms, one per user task (some shared), plus the referral (start) form."""

from __future__ import annotations

from ..network import SERVICE_TYPES
from .form_fields import Schema, boolean, choice, day, form, many, obj, text

NOTES = text("Note (senza dati sanitari non necessari)", "Notes (no unneeded health data)")
YES_NO_DATE = day("Data", "Date")

SERVICE = obj(
    "Servizio",
    "Service",
    ["type", "end_date"],
    type=choice("Tipo di servizio", "Service type", [(s.code, s.it, s.en) for s in SERVICE_TYPES]),
    end_date=day("Data di fine prevista", "Planned end date"),
)
SERVICES = many("Servizi da attivare", "Services to activate", SERVICE)
PACT_KINDS = [
    ("pais", "Patto per l'inclusione sociale (PaIS)", "Social inclusion pact (PaIS)"),
    ("patto_servizio", "Patto di servizio personalizzato (CPI)", "CPI personalised service pact"),
    ("gol_1", "GOL percorso 1 (reinserimento)", "GOL pathway 1 (job re-entry)"),
    ("gol_2", "GOL percorso 2 (aggiornamento)", "GOL pathway 2 (upskilling)"),
    ("gol_3", "GOL percorso 3 (riqualificazione)", "GOL pathway 3 (reskilling)"),
    ("gol_4", "GOL percorso 4 (lavoro e inclusione)", "GOL pathway 4 (work and inclusion)"),
]
CPI_OFFICES = [
    ("cremona", "CPI Cremona", "Cremona job centre"),
    ("crema", "CPI Crema", "Crema job centre"),
    ("casalmaggiore", "CPI Casalmaggiore", "Casalmaggiore job centre"),
    ("soresina", "CPI Soresina", "Soresina job centre"),
]
OUTCOMES = [
    ("occupato", "Occupato/a", "Employed"),
    ("completato", "Percorso completato", "Pathway completed"),
    ("abbandono", "Abbandono", "Drop-out"),
    ("rifiuto", "Rifiuto", "Refusal"),
    ("perdita_beneficio", "Perdita o sospensione del beneficio", "Benefit lost or suspended"),
    ("trasferito", "Trasferito/a", "Transferred"),
]
SUBJECT = obj(
    "Persona segnalata (conservata a parte, mai nei dati del percorso)",
    "Referred person (stored apart, never in the pathway data)",
    ["given_name", "family_name"],
    given_name=text("Nome", "Given name", 100),
    family_name=text("Cognome", "Family name", 100),
    tax_code=text("Codice fiscale", "Tax code", 16),
    phone=text("Telefono", "Phone", 30),
)


def pact(it: str, en: str) -> Schema:
    return form(
        it,
        en,
        ["patto_date", "pact_kind", "services"],
        patto_date=day("Data di firma del patto", "Date the pact was signed"),
        pact_kind=choice("Tipo di patto", "Kind of pact", PACT_KINDS),
        services=SERVICES,
        notes=NOTES,
    )


FORMS: dict[str, Schema] = {
    "segnalazione.json": form(
        "Segnalazione",
        "Referral",
        ["target_group", "comune", "consent", "privacy_notice", "urgency"],
        subject=SUBJECT,
        target_group=choice(
            "Gruppo target",
            "Target group",
            [
                ("adulti", "Adulti vulnerabili (es. ADI)", "Vulnerable adults (e.g. ADI)"),
                ("giovani", "Giovani NEET 16-29", "Young NEET 16-29"),
                ("disabilita", "Persone con disabilità", "People with disabilities"),
                ("violenza", "Donne vittime di violenza", "Women victims of violence"),
            ],
        ),
        comune=text("Comune di residenza dichiarato", "Declared Comune of residence", 80),
        consent=boolean("Consenso della persona", "The person's consent", True),
        privacy_notice=boolean("Informativa privacy consegnata", "Privacy notice given", True),
        urgency=choice(
            "Urgenza",
            "Urgency",
            [("bassa", "Bassa", "Low"), ("media", "Media", "Medium"), ("alta", "Alta", "High")],
        ),
        reason=text("Motivo della segnalazione", "Reason for the referral", 500),
    ),
    "presa_atto.json": form(
        "Presa d'atto e verifica di competenza",
        "Acknowledgement and competence check",
        ["resident", "adi"],
        resident=boolean(
            "Residente in un Comune dell'Ambito", "Resident in a Comune of the Ambito"
        ),
        adi=boolean(
            "Percettore di Assegno di Inclusione (ADI)", "Receives the Assegno di Inclusione"
        ),
        pad_date=day(
            "Data del patto di attivazione digitale (PAD)", "Digital activation pact date"
        ),
        notes=NOTES,
    ),
    "invio_fuori_ambito.json": form(
        "Invio all'ambito competente",
        "Referral to the competent Ambito",
        ["destination", "referrer_informed"],
        destination=text("Ambito o servizio di destinazione", "Destination Ambito or service", 200),
        referrer_informed=boolean("Segnalante informato", "Referrer informed"),
        notes=NOTES,
    ),
    "analisi_preliminare.json": form(
        "Analisi preliminare",
        "Preliminary assessment",
        ["first_meeting_date", "complex_needs", "work_ready", "disadvantaged"],
        first_meeting_date=day("Data del primo colloquio", "Date of the first meeting"),
        complex_needs=boolean("Bisogni complessi", "Complex needs"),
        work_ready=boolean("Pronto/a per il lavoro", "Ready for work"),
        disadvantaged=boolean(
            "Persona svantaggiata (tirocinio fino a 12 mesi)",
            "Disadvantaged person (traineeship up to 12 months)",
        ),
        needs=many(
            "Aree di bisogno",
            "Areas of need",
            choice(
                "Area",
                "Area",
                [
                    ("lavoro", "Lavoro", "Work"),
                    ("formazione", "Formazione", "Training"),
                    ("casa", "Casa", "Housing"),
                    ("reddito", "Reddito", "Income"),
                    ("salute", "Salute", "Health"),
                    ("famiglia", "Famiglia e cura", "Family and care"),
                ],
            ),
        ),
        notes=NOTES,
    ),
    "patto.json": pact("Patto / progetto personalizzato", "Personalised pact / project"),
    "contributo_equipe.json": form(
        "Contributo alla valutazione multidimensionale",
        "Contribution to the multidimensional assessment",
        ["assessment", "proposed_services"],
        assessment=choice(
            "Valutazione dell'area",
            "Assessment of the area",
            [
                ("risorsa", "Risorsa", "Strength"),
                ("fragilita", "Fragilità", "Vulnerability"),
                ("critica", "Criticità grave", "Serious difficulty"),
            ],
        ),
        proposed_services=many(
            "Servizi proposti",
            "Proposed services",
            choice("Servizio", "Service", [(s.code, s.it, s.en) for s in SERVICE_TYPES]),
        ),
        notes=NOTES,
    ),
    "sintesi_equipe.json": form(
        "Sintesi dell'Equipe di sistema",
        "Equipe di sistema synthesis",
        ["meeting_date", "joint_project"],
        meeting_date=day("Data della riunione d'Equipe", "Date of the Equipe meeting"),
        joint_project=boolean(
            "Progetto congiunto sociale e lavoro", "Joint social and work project"
        ),
        notes=NOTES,
    ),
    "avvio_servizio.json": form(
        "Avvio del servizio",
        "Start of the service",
        ["start_date"],
        start_date=day("Data di avvio", "Start date"),
        notes=NOTES,
    ),
    "esito_servizio.json": form(
        "Conclusione del servizio",
        "End of the service",
        ["result", "end_date"],
        result=choice(
            "Esito del servizio",
            "Result of the service",
            [
                ("completato", "Completato", "Completed"),
                ("interrotto", "Interrotto", "Interrupted"),
                ("assunzione", "Concluso con assunzione", "Ended with a job"),
            ],
        ),
        end_date=day("Data di conclusione", "End date"),
        notes=NOTES,
    ),
    "verifica_periodica.json": form(
        "Verifica periodica",
        "Periodic review",
        ["review_date", "on_track"],
        review_date=day("Data della verifica", "Review date"),
        on_track=boolean("Il percorso procede come previsto", "The pathway is on track"),
        notes=NOTES,
    ),
    "aggiornamento_l68.json": form(
        "Aggiornamento annuale dell'iscrizione L. 68",
        "Yearly update of the L. 68 registration",
        ["updated_on", "still_available"],
        updated_on=day("Data dell'aggiornamento", "Update date"),
        still_available=boolean("Ancora disponibile al lavoro", "Still available for work"),
    ),
    "esito_percorso.json": form(
        "Esito del percorso",
        "Outcome of the pathway",
        ["outcome", "exit_date"],
        outcome=choice("Esito", "Outcome", OUTCOMES),
        exit_date=day("Data di uscita dal percorso", "Exit date"),
        notes=NOTES,
    ),
    "chiusura.json": form(
        "Chiusura del percorso",
        "Closure of the pathway",
        ["person_informed", "data_minimised"],
        person_informed=boolean("Persona informata della chiusura", "Person told of the closure"),
        data_minimised=boolean("Dati non più necessari rimossi", "Data no longer needed removed"),
        notes=NOTES,
    ),
    "followup.json": form(
        "Follow-up occupazionale",
        "Employment follow-up",
        ["contacted", "employed"],
        contacted=boolean("Persona raggiunta", "Person reached"),
        employed=boolean("Occupato/a", "Employed"),
        contract=choice(
            "Contratto",
            "Contract",
            [
                ("indeterminato", "Tempo indeterminato", "Permanent"),
                ("determinato", "Tempo determinato", "Fixed-term"),
                ("apprendistato", "Apprendistato", "Apprenticeship"),
                ("autonomo", "Lavoro autonomo", "Self-employed"),
                ("altro", "Altro", "Other"),
            ],
        ),
    ),
}
