"""The network of DOMAIN.md: its organisations, roles and services (codes used verbatim).

Diagrams, seed data, tests and integrations refer to these codes; change them only together.
"""

from __future__ import annotations

from dataclasses import dataclass

SIGNATORY = "signatory"
CAV = "cav"

ORGANIZATIONS: tuple[tuple[str, str, str], ...] = (
    ("comune_cremona", "Comune di Cremona", SIGNATORY),
    ("azienda_sociale_cremonese", "Azienda Sociale del Cremonese (ASC)", SIGNATORY),
    ("asst_cremona", "ASST di Cremona", SIGNATORY),
    ("provincia_cremona", "Provincia di Cremona (CPI e collocamento mirato)", SIGNATORY),
    ("cgil", "CGIL", SIGNATORY),
    ("cisl", "CISL", SIGNATORY),
    ("uil", "UIL", SIGNATORY),
    ("confcooperative", "Confcooperative", SIGNATORY),
    ("federsolidarieta", "Federsolidarietà", SIGNATORY),
    ("cr_forma", "Cr.Forma", SIGNATORY),
    ("forum_terzo_settore", "Forum Provinciale Terzo Settore", SIGNATORY),
    ("cav_aida", "Centro antiviolenza AIDA Cremona", CAV),
)

ROLES: dict[str, str] = {
    "case_manager": "social workers of the Comune or ASC: everything on their cases",
    "equipe_member": "operators of any organisation: Equipe di sistema tasks",
    "cpi_operator": "Provincia staff: employment tasks (Centri per l'Impiego)",
    "collocamento_operator": "Provincia staff: L. 68/1999 collocamento mirato tasks",
    "asst_operator": "ASST staff: health and disability tasks",
    "sil_tutor": "SIL (ASC) tutors: tirocini di inclusione",
    "training_tutor": "training provider tutors (Cr.Forma)",
    "coop_tutor": "type-B social cooperative tutors",
    "cav_operator": "anti-violence centre staff: the only role that sees restricted identities",
    "coordinator": "Comitato tecnico operativo: models, escalations, aggregates",
    "cabina_viewer": "Cabina di Regia: aggregates only (counts below 5 hidden)",
    "auditor": "data protection officer: reads the audit trail",
}

TARGET_GROUPS: tuple[str, ...] = ("adulti", "giovani", "disabilita", "violenza")

# Who may refer a woman to the violence pathway: a CAV or the social service (DOMAIN.md).
VIOLENCE_ENTRY: frozenset[str] = frozenset(
    {"cav_aida", "comune_cremona", "azienda_sociale_cremonese"}
)


@dataclass(frozen=True)
class ServiceType:
    """A labour-policy service a patto can activate, and who delivers it."""

    code: str
    it: str
    en: str
    organization: str
    role: str


SERVICE_TYPES: tuple[ServiceType, ...] = (
    ServiceType("orientamento", "Orientamento", "Orientation", "provincia_cremona", "cpi_operator"),
    ServiceType(
        "bilancio_competenze",
        "Bilancio di competenze",
        "Skills review",
        "provincia_cremona",
        "cpi_operator",
    ),
    ServiceType(
        "formazione", "Formazione (Cr.Forma)", "Training (Cr.Forma)", "cr_forma", "training_tutor"
    ),
    ServiceType(
        "tirocinio_inclusione",
        "Tirocinio di inclusione (SIL)",
        "Inclusion traineeship (SIL)",
        "azienda_sociale_cremonese",
        "sil_tutor",
    ),
    ServiceType(
        "tirocinio_extracurricolare",
        "Tirocinio extracurricolare",
        "Extracurricular traineeship",
        "provincia_cremona",
        "cpi_operator",
    ),
    ServiceType(
        "accompagnamento_lavoro",
        "Accompagnamento al lavoro e matching",
        "Job coaching and matching",
        "provincia_cremona",
        "cpi_operator",
    ),
    ServiceType(
        "inserimento_coop_b",
        "Inserimento in cooperativa sociale di tipo B",
        "Placement in a type-B cooperative",
        "confcooperative",
        "coop_tutor",
    ),
    ServiceType(
        "convenzione_l68",
        "Convenzione L. 68/1999",
        "L. 68/1999 agreement",
        "provincia_cremona",
        "collocamento_operator",
    ),
    ServiceType(
        "apprendistato", "Apprendistato", "Apprenticeship", "provincia_cremona", "cpi_operator"
    ),
    ServiceType(
        "servizio_civile", "Servizio civile", "Civil service", "provincia_cremona", "cpi_operator"
    ),
)
SERVICES_BY_CODE: dict[str, ServiceType] = {s.code: s for s in SERVICE_TYPES}
TRAINEESHIPS: frozenset[str] = frozenset({"tirocinio_inclusione", "tirocinio_extracurricolare"})
