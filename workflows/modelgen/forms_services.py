"""Forms of the Equipe di sistema and of the services: starting, closing, extending them."""

from __future__ import annotations

from ..network import COOPERATIVES, SERVICE_TYPES
from .form_fields import (
    Schema,
    boolean,
    choice,
    day,
    decimal,
    form,
    many,
    number,
    readable_by,
    text,
)
from .forms_catalogue import NOTES

CLINICAL = ("asst_operator", "case_manager")  # ASST notes: the ASST and the case manager only
PARTNERS = [
    (
        "comune_cremona",
        "Comune di Cremona - servizio sociale",
        "Comune di Cremona - social service",
    ),
    (
        "azienda_sociale_cremonese",
        "Azienda Sociale del Cremonese - servizio sociale e SIL",
        "Azienda Sociale del Cremonese - social service and SIL",
    ),
    (
        "provincia_cremona",
        "Provincia - Centro per l'Impiego e collocamento mirato",
        "Provincia - job centre and collocamento mirato",
    ),
    ("asst_cremona", "ASST di Cremona", "ASST di Cremona"),
    ("cr_forma", "Cr.Forma - formazione professionale", "Cr.Forma - vocational training"),
    ("cgil", "CGIL - sportello", "CGIL - desk"),
    ("cisl", "CISL - sportello", "CISL - desk"),
    ("uil", "UIL - sportello", "UIL - desk"),
    ("forum_terzo_settore", "Forum del Terzo Settore", "Third-sector Forum"),
    *[
        (c.code, c.name, c.name.replace("cooperativa sociale", "social cooperative"))
        for c in COOPERATIVES
    ],
]
RESULTS = [
    ("completato", "Completato", "Completed"),
    ("interrotto", "Interrotto", "Interrupted"),
    ("assunzione", "Concluso con assunzione", "Ended with a job"),
]

SERVICE_FORMS: dict[str, Schema] = {
    "convocazione_equipe.json": form(
        "Convocazione dell'Equipe per il caso",
        "Calling the Equipe for the case",
        ["equipe_partners", "meeting_date"],
        equipe_partners={
            **many(
                "Partner chiamati a contribuire (i privati solo con il consenso della persona)",
                "Partners asked to contribute (private ones only with the person's consent)",
                choice("Partner", "Partner", PARTNERS),
                min_items=1,
            ),
            "uniqueItems": True,
        },
        meeting_date=day(
            "Data della riunione dell'Equipe (i contributi vanno dati prima)",
            "Date of the Equipe meeting (contributions are due before it)",
            future=True,
        ),
        notes=NOTES,
    ),
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
        clinical_notes=readable_by(
            text(
                "Note cliniche (ASST: le leggono solo l'ASST e il case manager)",
                "Clinical notes (ASST: read only by the ASST and the case manager)",
                2000,
            ),
            *CLINICAL,
        ),
        notes=NOTES,
    ),
    "sintesi_equipe.json": form(
        "Sintesi dell'Equipe di sistema",
        "Equipe di sistema synthesis",
        ["meeting_held_on", "joint_project"],
        meeting_held_on=day(
            "Data della riunione d'Equipe", "Date of the Equipe meeting", past=True
        ),
        joint_project=boolean(
            "Progetto congiunto sociale e lavoro", "Joint social and work project"
        ),
        notes=NOTES,
    ),
    "avvio_servizio.json": form(
        "Avvio del servizio",
        "Start of the service",
        ["start_date"],
        start_date=day("Data di avvio", "Start date", past=True),
        notes=NOTES,
    ),
    "avvio_tirocinio.json": form(
        "Avvio del tirocinio",
        "Start of the traineeship",
        [
            "start_date",
            "host_organization",
            "convenzione_date",
            "progetto_formativo_date",
            "promoter_tutor",
            "host_tutor",
            "monthly_allowance",
            "inail",
            "co_date",
        ],
        start_date=day("Data di avvio", "Start date", past=True),
        host_organization=text("Soggetto ospitante", "Host organisation", 200),
        host_vat=text(
            "Codice fiscale o partita IVA dell'ospitante", "Host's tax or VAT number", 16
        ),
        convenzione_ref=text("Numero della convenzione", "Agreement number", 60),
        convenzione_date=day(
            "Data della convenzione con il soggetto ospitante",
            "Date of the agreement with the host",
            past=True,
        ),
        progetto_formativo_date=day(
            "Data di firma del progetto formativo individuale",
            "Date the individual training project was signed",
            past=True,
        ),
        promoter_tutor=text("Tutor del soggetto promotore", "Promoter's tutor", 120),
        host_tutor=text("Tutor del soggetto ospitante", "Host's tutor", 120),
        monthly_allowance=decimal(
            "Indennità mensile (euro lordi)", "Monthly allowance (gross euro)", 0, 5000
        ),
        inail=boolean("Copertura assicurativa INAIL attivata", "INAIL insurance in place"),
        co_date=day(
            "Data della comunicazione obbligatoria (UNILAV)",
            "Date of the mandatory notice (UNILAV)",
            past=True,
        ),
        eqf_level=number(
            "Livello EQF delle competenze (tirocinio extracurricolare)",
            "EQF level of the competences (extracurricular traineeship)",
            1,
            8,
        ),
        notes=NOTES,
    ),
    "esito_servizio.json": form(
        "Conclusione del servizio",
        "End of the service",
        ["result", "end_date"],
        result=choice("Esito del servizio", "Result of the service", RESULTS),
        end_date=day("Data di conclusione", "End date", past=True),
        notes=NOTES,
    ),
    "esito_tirocinio.json": form(
        "Conclusione del tirocinio",
        "End of the traineeship",
        ["result", "end_date"],
        result=choice("Esito del tirocinio", "Result of the traineeship", RESULTS),
        end_date=day("Data di conclusione", "End date", past=True),
        contract=choice(
            "Contratto di assunzione",
            "Employment contract",
            [
                ("indeterminato", "Tempo indeterminato", "Permanent"),
                ("determinato", "Tempo determinato", "Fixed-term"),
                ("apprendistato", "Apprendistato", "Apprenticeship"),
            ],
        ),
        notes=NOTES,
    ),
    "proroga_tirocinio.json": form(
        "Proroga del tirocinio di inclusione",
        "Extension of the inclusion traineeship",
        ["extend"],
        [
            {
                "if": {"properties": {"extend": {"const": True}}, "required": ["extend"]},
                "then": {
                    "required": ["extension_months", "attested"],
                    "properties": {"attested": {"const": True}},
                },
            }
        ],
        extend=boolean("Prorogare il tirocinio", "Extend the traineeship"),
        extension_months=number("Mesi di proroga", "Months of extension", 1, 24),
        attested=boolean(
            "Necessità attestata dal servizio che ha in carico la persona",
            "Need attested by the service that has the person in charge",
        ),
        notes=NOTES,
    ),
}
