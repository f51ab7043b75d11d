"""The network of DOMAIN.md: its organisations, roles and services (codes used verbatim).

Diagrams, seed data, tests and integrations refer to these codes; change them only together.
"""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of organisation. The engine gives two of them meaning (engine/rules/ownership.py and
# engine/rules/consent.py): social services and CAVs may own cases; the private partners
# (unions, associations, the third sector, cooperatives) see a case only with the person's
# consent to sharing with private partners. Public bodies act under GDPR art. 6(1)(e), 9(2)(g).
SOCIAL_SERVICE = "social_service"
CAV = "cav"
HEALTH = "health_authority"
EMPLOYMENT = "employment_service"
TRAINING = "training_provider"
UNION = "union"
ASSOCIATION = "association"
THIRD_SECTOR = "third_sector"
COOPERATIVE = "cooperative"
PRIVATE_KINDS: frozenset[str] = frozenset({UNION, ASSOCIATION, THIRD_SECTOR, COOPERATIVE})


@dataclass(frozen=True)
class Member:
    """An organisation of the network: code, name, kind, and whether it signed the protocol."""

    code: str
    name: str
    kind: str
    signatory: bool = True


MEMBERS: tuple[Member, ...] = (
    Member("comune_cremona", "Comune di Cremona", SOCIAL_SERVICE),
    Member("azienda_sociale_cremonese", "Azienda Sociale del Cremonese (ASC)", SOCIAL_SERVICE),
    Member("asst_cremona", "ASST di Cremona", HEALTH),
    Member("provincia_cremona", "Provincia di Cremona (CPI e collocamento mirato)", EMPLOYMENT),
    Member("cgil", "CGIL", UNION),
    Member("cisl", "CISL", UNION),
    Member("uil", "UIL", UNION),
    # Associations of cooperatives: signatories, never employers; work goes to a cooperative.
    Member("confcooperative", "Confcooperative", ASSOCIATION),
    Member("federsolidarieta", "Federsolidarietà", ASSOCIATION),
    # Cr.Forma is the Provincia's special agency for vocational training (azienda speciale).
    Member("cr_forma", "Cr.Forma", TRAINING),
    Member("forum_terzo_settore", "Forum Provinciale Terzo Settore", THIRD_SECTOR),
    Member("cav_aida", "Centro antiviolenza AIDA Cremona", CAV, signatory=False),
)
# Type-B social cooperatives that host placements. DEMO DATA: invented names, not real
# cooperatives; a real installation replaces them with the cooperatives it works with.
COOPERATIVES: tuple[Member, ...] = tuple(
    Member(code, f"{name}, cooperativa sociale di tipo B (dimostrativa)", COOPERATIVE, False)
    for code, name in (
        ("coop_il_ponte", "Il Ponte"),
        ("coop_la_rete", "La Rete"),
        ("coop_filo_verde", "Filo Verde"),
    )
)
ORGANIZATIONS: tuple[tuple[str, str, str], ...] = tuple(
    (m.code, m.name, m.kind) for m in (*MEMBERS, *COOPERATIVES)
)
SOCIAL_SERVICES: tuple[str, ...] = tuple(m.code for m in MEMBERS if m.kind == SOCIAL_SERVICE)
CAVS: tuple[str, ...] = tuple(m.code for m in MEMBERS if m.kind == CAV)

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
VIOLENCE_ENTRY: frozenset[str] = frozenset({*CAVS, *SOCIAL_SERVICES})


CHOSEN_COOPERATIVE = 'service["cooperative"]'  # the cooperative chosen in the pact


@dataclass(frozen=True)
class ServiceType:
    """A labour-policy service a patto can activate, and who delivers it (an organisation code,
    or an expression over the service chosen in the pact)."""

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
        CHOSEN_COOPERATIVE,
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
