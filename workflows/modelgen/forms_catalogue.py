"""The bundled forms of the main pathway, one per user task (some shared), plus the referral."""

from __future__ import annotations

from ..comuni import COMUNI, OUTSIDE
from ..network import COOPERATIVES, SERVICE_TYPES
from .form_fields import (
    Schema,
    boolean,
    choice,
    consent,
    day,
    decimal,
    form,
    many,
    obj,
    text,
    when,
)

NOTES = text("Note (senza dati sanitari non necessari)", "Notes (no unneeded health data)")
COOPERATIVE = choice(
    "Cooperativa sociale di tipo B",
    "Type-B social cooperative",
    [
        (
            c.code,
            c.name,
            c.name.replace("cooperativa sociale di tipo B", "type-B social cooperative"),
        )
        for c in COOPERATIVES
    ],
)
SERVICE = obj(
    "Servizio",
    "Service",
    ["type", "end_date"],
    type=choice("Tipo di servizio", "Service type", [(s.code, s.it, s.en) for s in SERVICE_TYPES]),
    end_date=day("Data di fine prevista", "Planned end date"),
    cooperative=COOPERATIVE,
)
SERVICE["allOf"] = [when("type", "inserimento_coop_b", {"required": ["cooperative"]})]
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
LEGAL_BASIS = (
    "Il trattamento si fonda sull'art. 6, par. 1, lett. e) e sull'art. 9, par. 2, lett. g) del "
    "GDPR, con l'art. 2-sexies del Codice privacy: i servizi pubblici della rete non chiedono "
    "il consenso per seguire la persona. Il consenso serve solo per condividere il caso con i "
    "partner privati, nel percorso per la violenza e per mostrare la sua identità al case "
    "manager; si può revocare in ogni momento. Per un minore lo dà un genitore o il tutore."
)
LEGAL_BASIS_EN = (
    "Processing rests on GDPR art. 6(1)(e) and 9(2)(g), with art. 2-sexies of the Italian "
    "privacy code: the public services of the network need no consent to follow the person. "
    "Consent is needed only to share the case with private partners, in the violence pathway "
    "and to show her identity to the case manager; it can be withdrawn at any time. A parent "
    "or guardian gives it for a minor."
)
CONSENTS = obj(
    "Consensi (facoltativi, revocabili)",
    "Consents (optional, can be withdrawn)",
    [],
    private_partners=consent(
        "Condivisione con i partner privati della rete (sindacati, terzo settore, cooperative)",
        "Sharing with the network's private partners (unions, third sector, cooperatives)",
        "private_partners",
    ),
    pathway=consent(
        "Consenso al percorso per donne vittime di violenza",
        "Consent to the pathway for women victims of violence",
        "pathway",
    ),
    identity_to_case_manager=consent(
        "Mostrare la sua identità al case manager (percorso violenza)",
        "Show her identity to the case manager (violence pathway)",
        "identity_to_case_manager",
    ),
    given_by=choice(
        "Consensi dati da",
        "Consents given by",
        [
            ("interessato", "La persona stessa", "The person"),
            ("genitore", "Un genitore (minore)", "A parent (minor)"),
            ("tutore", "Il tutore", "The guardian"),
        ],
    ),
)
CONSENTS["properties"]["given_by"]["x-consent-giver"] = True
REFERRAL_RULES: list[Schema] = [
    when(
        "target_group",
        "violenza",
        {
            "required": ["consents"],
            "properties": {
                "consents": {"required": ["pathway"], "properties": {"pathway": {"const": True}}}
            },
        },
    ),
    when(
        "target_group",
        "giovani",
        {"properties": {"date_of_birth": {"x-age": {"min": 16, "max": 29}}}},
    ),
    {  # a minor's consents are given by a parent or the guardian
        "if": {
            "properties": {"date_of_birth": {"x-age": {"max": 17}}},
            "required": ["date_of_birth"],
        },
        "then": {
            "properties": {
                "consents": {
                    "properties": {"given_by": {"enum": ["genitore", "tutore"]}},
                    "required": ["given_by"],
                }
            }
        },
    },
]


def pact(it: str, en: str) -> Schema:
    return form(
        it,
        en,
        ["patto_date", "pact_kind", "services"],
        patto_date=day("Data di firma del patto", "Date the pact was signed", past=True),
        pact_kind=choice("Tipo di patto", "Kind of pact", PACT_KINDS),
        services=SERVICES,
        notes=NOTES,
    )


def _referral() -> Schema:
    node = form(
        "Segnalazione",
        "Referral",
        [
            "target_group",
            "comune",
            "date_of_birth",
            "sex",
            "citizenship",
            "privacy_notice",
            "urgency",
        ],
        REFERRAL_RULES,
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
        comune=choice(
            "Comune di residenza",
            "Comune of residence",
            [(c.name, c.name, c.name) for c in COMUNI]
            + [(OUTSIDE, "Fuori dall'Ambito Cremonese", "Outside the Ambito Cremonese")],
        ),
        date_of_birth=day("Data di nascita", "Date of birth", past=True),
        sex=choice("Sesso", "Sex", [("F", "Femmina", "Female"), ("M", "Maschio", "Male")]),
        citizenship=choice(
            "Cittadinanza",
            "Citizenship",
            [
                ("italiana", "Italiana", "Italian"),
                ("ue", "Di un altro Paese dell'Unione europea", "Another EU country"),
                ("extra_ue", "Di un Paese fuori dall'Unione europea", "A non-EU country"),
            ],
        ),
        privacy_notice=boolean(
            "Informativa privacy (art. 13 GDPR) consegnata",
            "Privacy notice (GDPR art. 13) given",
            True,
        ),
        consents=CONSENTS,
        urgency=choice(
            "Urgenza",
            "Urgency",
            [("bassa", "Bassa", "Low"), ("media", "Media", "Medium"), ("alta", "Alta", "High")],
        ),
        reason=text("Motivo della segnalazione", "Reason for the referral", 500),
    )
    node["description"] = LEGAL_BASIS
    node["x-i18n"]["en"]["description"] = LEGAL_BASIS_EN
    return node


FORMS: dict[str, Schema] = {
    "segnalazione.json": _referral(),
    "presa_atto.json": form(
        "Presa d'atto e verifica di competenza",
        "Acknowledgement and competence check",
        ["resident", "adi"],
        [
            when("adi", True, {"required": ["pad_date"]}),
            {"if": {"required": ["isee_value"]}, "then": {"required": ["isee_date"]}},
        ],
        resident=boolean(
            "Residente in un Comune dell'Ambito", "Resident in a Comune of the Ambito"
        ),
        adi=boolean(
            "Percettore di Assegno di Inclusione (ADI)", "Receives the Assegno di Inclusione"
        ),
        pad_date=day(
            "Data del patto di attivazione digitale (PAD)",
            "Digital activation pact (PAD) date",
            past=True,
        ),
        isee_value=decimal("Valore ISEE (euro)", "ISEE value (euro)", 0, 1_000_000),
        isee_date=day("Data di rilascio dell'ISEE", "ISEE issue date", past=True),
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
        [
            "first_meeting_date",
            "complex_needs",
            "work_ready",
            "disadvantaged",
            "employment_status",
            "did",
        ],
        [when("did", True, {"required": ["did_date"]})],
        first_meeting_date=day("Data del primo colloquio", "Date of the first meeting", past=True),
        complex_needs=boolean("Bisogni complessi", "Complex needs"),
        work_ready=boolean("Pronto/a per il lavoro", "Ready for work"),
        disadvantaged=boolean(
            "Persona svantaggiata (tirocinio extracurricolare fino a 12 mesi)",
            "Disadvantaged person (extracurricular traineeship up to 12 months)",
        ),
        employment_status=choice(
            "Condizione occupazionale",
            "Employment status",
            [
                ("disoccupato", "In stato di disoccupazione", "Unemployed (registered)"),
                ("inoccupato", "In cerca di prima occupazione", "Looking for a first job"),
                ("occupato", "Occupato/a (anche con basso reddito)", "Employed (incl. low pay)"),
                ("studente", "In istruzione o formazione", "In education or training"),
                ("inattivo", "Inattivo/a", "Inactive"),
            ],
        ),
        did=boolean(
            "Dichiarazione di immediata disponibilità (DID) rilasciata",
            "Declaration of immediate availability (DID) made",
        ),
        did_date=day("Data della DID", "DID date", past=True),
        gol_cluster=choice(
            "Percorso GOL assegnato dal CPI",
            "GOL pathway assigned by the CPI",
            [
                ("gol_1", "1 - Reinserimento lavorativo", "1 - Job re-entry"),
                ("gol_2", "2 - Aggiornamento (upskilling)", "2 - Upskilling"),
                ("gol_3", "3 - Riqualificazione (reskilling)", "3 - Reskilling"),
                ("gol_4", "4 - Lavoro e inclusione", "4 - Work and inclusion"),
                ("non_gol", "Non in GOL", "Not in GOL"),
            ],
        ),
        gg_joined_on=day(
            "Data di adesione a Garanzia Giovani (se già avvenuta)",
            "Date of joining Garanzia Giovani (if already joined)",
            past=True,
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
    "verifica_periodica.json": form(
        "Verifica periodica",
        "Periodic review",
        ["review_date", "on_track"],
        review_date=day("Data della verifica", "Review date", past=True),
        on_track=boolean("Il percorso procede come previsto", "The pathway is on track"),
        notes=NOTES,
    ),
    "aggiornamento_l68.json": form(
        "Aggiornamento annuale dell'iscrizione L. 68",
        "Yearly update of the L. 68 registration",
        ["updated_on", "still_available"],
        updated_on=day("Data dell'aggiornamento", "Update date", past=True),
        still_available=boolean("Ancora disponibile al lavoro", "Still available for work"),
    ),
    "esito_percorso.json": form(
        "Esito del percorso",
        "Outcome of the pathway",
        ["outcome", "exit_date"],
        outcome=choice("Esito", "Outcome", OUTCOMES),
        exit_date=day("Data di uscita dal percorso", "Exit date", past=True),
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
