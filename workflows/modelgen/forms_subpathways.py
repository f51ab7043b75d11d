"""Forms of the sub-pathways: Garanzia Giovani, disability (L. 68/1999), violence."""

from __future__ import annotations

from .form_fields import Schema, boolean, choice, consent, day, form, number, readable_by, text
from .forms_catalogue import CPI_OFFICES, NOTES, PACT_KINDS, SERVICES

# Invalidity percentages and the ASST's opinion are health data: need to know (GDPR art. 9).
L68_READERS = ("collocamento_operator", "asst_operator", "case_manager")
CLINICAL = ("asst_operator", "case_manager")

SUB_FORMS: dict[str, Schema] = {
    "gg_adesione.json": form(
        "Adesione a Garanzia Giovani",
        "Joining Garanzia Giovani",
        ["gg_joined_on"],
        gg_joined_on=day(
            "Data di adesione a Garanzia Giovani (da qui contano i termini)",
            "Date of joining Garanzia Giovani (the deadlines count from it)",
            past=True,
        ),
        notes=NOTES,
    ),
    "gg_presa_in_carico.json": form(
        "Presa in carico Garanzia Giovani",
        "Garanzia Giovani taking in charge",
        ["neet_confirmed", "profiling"],
        neet_confirmed=boolean("Condizione NEET 16-29 confermata", "NEET 16-29 status confirmed"),
        profiling=choice(
            "Profilazione",
            "Profiling",
            [
                ("basso", "Bassa", "Low"),
                ("medio", "Media", "Medium"),
                ("alto", "Alta", "High"),
                ("molto_alto", "Molto alta", "Very high"),
            ],
        ),
        notes=NOTES,
    ),
    "gg_offerta.json": form(
        "Offerta Garanzia Giovani",
        "Garanzia Giovani offer",
        ["offer_type", "offer_date", "patto_date", "services"],
        offer_type=choice(
            "Tipo di offerta",
            "Kind of offer",
            [
                ("orientamento", "Orientamento", "Orientation"),
                ("formazione", "Rientro in formazione (Cr.Forma)", "Back to training (Cr.Forma)"),
                ("tirocinio", "Tirocinio", "Traineeship"),
                ("apprendistato", "Apprendistato", "Apprenticeship"),
                ("servizio_civile", "Servizio civile", "Civil service"),
            ],
        ),
        offer_date=day("Data dell'offerta", "Date of the offer", past=True),
        patto_date=day("Data di firma del patto", "Date the pact was signed", past=True),
        services=SERVICES,
        notes=NOTES,
    ),
    "iscrizione_crforma.json": form(
        "Iscrizione a un corso Cr.Forma",
        "Enrolment in a Cr.Forma course",
        ["course", "enrolment_date"],
        course=text("Corso", "Course", 200),
        enrolment_date=day("Data di iscrizione", "Enrolment date", past=True),
    ),
    "verifica_l68.json": form(
        "Verifica dello status L. 68/1999",
        "L. 68/1999 status check",
        ["civil_invalidity_pct", "work_invalidity_pct", "final_report", "l68_category"],
        civil_invalidity_pct=readable_by(
            number("Invalidità civile (%)", "Civil invalidity (%)", 0, 100), *L68_READERS
        ),
        work_invalidity_pct=readable_by(
            number("Invalidità del lavoro (%)", "Work invalidity (%)", 0, 100), *L68_READERS
        ),
        final_report=boolean(
            "Relazione conclusiva della commissione", "The commission's final report"
        ),
        l68_category=choice(
            "Categoria L. 68/1999",
            "L. 68/1999 category",
            [
                ("art_1", "Persona con disabilità (art. 1)", "Person with a disability (art. 1)"),
                (
                    "art_18",
                    "Categorie protette: orfani, vedove, profughi (art. 18)",
                    "Protected categories: orphans, widows, refugees (art. 18)",
                ),
                ("nessuna", "Nessuna", "None"),
            ],
        ),
    ),
    "iscrizione_l68.json": form(
        "Iscrizione al collocamento mirato",
        "Registration with the collocamento mirato",
        ["registration_date", "cpi"],
        registration_date=day("Data di iscrizione", "Registration date", past=True),
        cpi=choice("Centro per l'Impiego", "Job centre", CPI_OFFICES),
    ),
    "inserimento_l68.json": form(
        "Inserimento lavorativo L. 68",
        "L. 68 work placement",
        ["placement", "patto_date", "services"],
        placement=choice(
            "Tipo di inserimento",
            "Kind of placement",
            [
                (
                    "convenzione_coop_b",
                    "Convenzione con cooperativa di tipo B (1-5 anni)",
                    "Agreement with a type-B cooperative (1-5 years)",
                ),
                ("tirocinio", "Tirocinio (fino a 24 mesi)", "Traineeship (up to 24 months)"),
            ],
        ),
        agreement_years=number("Durata della convenzione (anni)", "Agreement length (years)", 1, 5),
        patto_date=day("Data di firma del patto", "Date the pact was signed", past=True),
        pact_kind=choice("Tipo di patto", "Kind of pact", PACT_KINDS),
        services=SERVICES,
    ),
    "progetto_sil.json": form(
        "Progetto di tirocinio di inclusione (SIL)",
        "Inclusion traineeship project (SIL)",
        ["patto_date", "services"],
        patto_date=day("Data di firma del progetto", "Date the project was signed", past=True),
        services=SERVICES,
        notes=NOTES,
    ),
    "valutazione_asst.json": form(
        "Parere ASST",
        "ASST opinion",
        ["asst_service", "supports_traineeship"],
        asst_service=readable_by(
            choice(
                "Servizio ASST coinvolto",
                "ASST service involved",
                [
                    ("cps", "Salute mentale (CPS)", "Mental health (CPS)"),
                    ("serd", "Dipendenze (SerD)", "Addiction (SerD)"),
                    ("consultorio", "Consultorio familiare", "Family clinic"),
                    ("disabilita", "Valutazione disabilità", "Disability assessment"),
                ],
            ),
            *CLINICAL,
        ),
        supports_traineeship=boolean("Tirocinio compatibile", "Traineeship compatible"),
        clinical_notes=readable_by(
            text(
                "Note cliniche (le leggono solo l'ASST e il case manager)",
                "Clinical notes (read only by the ASST and the case manager)",
                2000,
            ),
            *CLINICAL,
        ),
    ),
    "vio_presa_in_carico.json": form(
        "Presa in carico congiunta CAV e servizio sociale",
        "Joint taking in charge by the CAV and the social service",
        [
            "consent_confirmed",
            "identity_to_case_manager",
            "safety_plan",
            "employed",
            "wants_work_path",
        ],
        consent_confirmed={
            **consent("Consenso della donna al percorso", "Her consent to the pathway", "pathway"),
            "const": True,
        },
        identity_to_case_manager=consent(
            "Acconsente che il case manager del servizio sociale conosca la sua identità",
            "She agrees that the social service's case manager knows who she is",
            "identity_to_case_manager",
        ),
        safety_plan=boolean("Piano di sicurezza attivo", "Safety plan in place"),
        employed=boolean("Attualmente occupata", "Currently employed"),
        wants_work_path=boolean("Sceglie un percorso verso il lavoro", "Chooses a path to work"),
    ),
    "reddito_liberta.json": form(
        "Domanda di Reddito di libertà",
        "Reddito di libertà application",
        ["application_date", "cav_statement", "social_service_statement"],
        application_date=day("Data della domanda", "Application date", past=True),
        cav_statement=boolean("Dichiarazione del CAV", "Statement by the CAV"),
        social_service_statement=boolean(
            "Dichiarazione del servizio sociale", "Statement by the social service"
        ),
        months=number("Mensilità richieste (max 12)", "Months requested (max 12)", 1, 12),
    ),
    "congedo.json": form(
        "Congedo per donne vittime di violenza",
        "Leave for women victims of violence",
        ["requested"],
        requested=boolean("Congedo richiesto", "Leave requested"),
        months=number("Mesi di congedo (max 3)", "Months of leave (max 3)", 1, 3),
        start_date=day("Data di inizio", "Start date"),
    ),
}
