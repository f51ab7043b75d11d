"""A small network with cases in every state the UI shows, made through the engine's use cases.

Used by the web and browser tests until `percorsi demo` (the bundled models' demo data) is
merged; switching means replacing `seed_network` with that command's function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from sqlalchemy import select

from engine import Engine
from engine.commands.accounts import create_user, ensure_organization, hash_password
from engine.store.tables import Case, HumanTask, Notification, User
from tests.support import Driver, FakeClock

PASSWORD = "Percorsi-2026!"
PROCESS = "percorso_prova"
FILES = ("ui_referral.bpmn", "presa_atto.json", "analisi_preliminare.json")
ORGANIZATIONS = {
    "comune_cremona": "Comune di Cremona",
    "provincia_cremona": "Provincia di Cremona",
    "azienda_sociale_cremonese": "Azienda Sociale del Cremonese",
    "cav_aida": "Centro antiviolenza AIDA",
}
# Invented demo people: (username, full name, organisation, role)
PEOPLE = [
    ("giulia.rossi", "Giulia Rossi", "comune_cremona", "case_manager"),
    ("luca.ferri", "Luca Ferri", "comune_cremona", "case_manager"),
    ("marco.bassi", "Marco Bassi", "provincia_cremona", "cpi_operator"),
    ("clara.conti", "Clara Conti", "comune_cremona", "coordinator"),
    ("anna.galli", "Anna Galli", "cav_aida", "cav_operator"),
    ("ugo.rizzi", "Ugo Rizzi", "comune_cremona", "cabina_viewer"),
]
RESTRICTED_NAME = "Maria Bianchi"


@dataclass
class Seeded:
    """References of the cases the tests look at."""

    cases: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    restricted: str = ""
    foreign: str = ""


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per test run


def seed_people(engine: Engine) -> None:
    with engine.uow() as uow:
        for code, name in ORGANIZATIONS.items():
            ensure_organization(uow, code, name)
        for username, full_name, org, role in PEOPLE:
            user = create_user(
                uow,
                username,
                memberships=[(org, role)],
                full_name=full_name,
                email=f"{username}@example.org",
            )
            user.password_hash = _password_hash()
        uow.commit()


def seed_network(engine: Engine, clock: FakeClock) -> Seeded:
    """Organisations, people, the test model and cases (some overdue, one restricted)."""
    seed_people(engine)
    drive = Driver(engine)
    drive.deploy(*FILES, as_user="clara.conti")
    seeded = Seeded()
    today = clock.now
    clock.now = today - timedelta(days=15)  # these cases' first task is now five days late
    for group, comune in (("giovani", "Cremona"), ("disabilita", "Crema")):
        seeded.overdue.append(_start(drive, group, comune))
    clock.now = today
    for group, comune in (("adulti", "Cremona"), ("giovani", "Soresina"), ("adulti", "Crema")):
        seeded.cases.append(_start(drive, group, comune))
    seeded.restricted = drive.start(
        PROCESS,
        {
            "target_group": "violenza",
            "restricted": True,
            "subject": {"name": RESTRICTED_NAME},
            "consents": {"identity_to_case_manager": True},  # she lets her case manager know
        },
        as_user="giulia.rossi",
        organization="comune_cremona",
    )
    seeded.foreign = seeded.cases[-1]
    _escalate_and_notify(engine, seeded.overdue[0])
    return seeded


def _start(drive: Driver, group: str, comune: str) -> str:
    return drive.start(PROCESS, {"target_group": group, "comune": comune}, as_user="giulia.rossi")


def _escalate_and_notify(engine: Engine, reference: str) -> None:
    """What the scheduler would have done by now: one escalation and two notifications."""
    with engine.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        task = uow.session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
        assert task is not None
        task.escalation_level = 1
        giulia = uow.session.scalar(select(User.id).where(User.username == "giulia.rossi"))
        assert giulia is not None
        for title in ("Attività scaduta: Presa d'atto", "Nuovo caso assegnato"):
            uow.session.add(
                Notification(
                    user_id=giulia,
                    case_id=case.id,
                    task_id=task.id,
                    kind="task_overdue",
                    title=title,
                    created_at=uow.now,
                )
            )
        uow.commit()
