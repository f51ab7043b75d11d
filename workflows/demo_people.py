"""The demo's invented people: operators for every role, and referred persons' identities."""

from __future__ import annotations

import random

from engine.commands.accounts import create_user, hash_password, load_actor
from engine.errors import UserNotFound
from engine.store.uow import UnitOfWork

DEMO_PASSWORD = "percorsi-demo"  # demo only; documented in README
MARKER_USER = "giulia.rossi"  # its presence means the demo was created

DEMO_USERS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "giulia.rossi",
        "Giulia Rossi",
        (("comune_cremona", "case_manager"), ("comune_cremona", "equipe_member")),
    ),
    (
        "luca.ferrari",
        "Luca Ferrari",
        (
            ("azienda_sociale_cremonese", "case_manager"),
            ("azienda_sociale_cremonese", "equipe_member"),
        ),
    ),
    (
        "marco.bianchi",
        "Marco Bianchi",
        (("provincia_cremona", "cpi_operator"), ("provincia_cremona", "equipe_member")),
    ),
    ("sara.colombo", "Sara Colombo", (("provincia_cremona", "collocamento_operator"),)),
    (
        "paolo.ricci",
        "Paolo Ricci",
        (("asst_cremona", "asst_operator"), ("asst_cremona", "equipe_member")),
    ),
    ("elena.marino", "Elena Marino", (("azienda_sociale_cremonese", "sil_tutor"),)),
    (
        "davide.greco",
        "Davide Greco",
        (("cr_forma", "training_tutor"), ("cr_forma", "equipe_member")),
    ),
    (
        "chiara.galli",
        "Chiara Galli",
        (("coop_il_ponte", "coop_tutor"), ("coop_il_ponte", "equipe_member")),
    ),
    ("anna.conti", "Anna Conti", (("cav_aida", "cav_operator"),)),
    ("roberto.villa", "Roberto Villa", (("comune_cremona", "coordinator"),)),
    ("francesca.lombardi", "Francesca Lombardi", (("comune_cremona", "auditor"),)),
    ("giorgio.moretti", "Giorgio Moretti", (("provincia_cremona", "cabina_viewer"),)),
    ("marta.barbieri", "Marta Barbieri", (("cgil", "equipe_member"),)),
)

GIVEN = ("Alessia", "Bruno", "Carla", "Dario", "Emma", "Fabio", "Greta", "Ivan", "Lia", "Nico")
FAMILY = ("Albini", "Bertoli", "Cattaneo", "Dossena", "Ferrari", "Gatti", "Locatelli", "Pini")


def create_demo_users(uow: UnitOfWork) -> list[str]:
    """Create the demo users that do not exist yet; returns the usernames created."""
    created = []
    shared_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash the demo's once
    for username, full_name, memberships in DEMO_USERS:
        if user_exists(uow, username):
            continue
        user = create_user(
            uow,
            username,
            memberships=list(memberships),
            full_name=full_name,
            email=f"{username}@demo.invalid",
        )
        user.password_hash = shared_hash
        created.append(username)
    return created


def user_exists(uow: UnitOfWork, username: str) -> bool:
    """True when an active user of that name exists."""
    try:
        load_actor(uow, username)
    except UserNotFound:
        return False
    return True


def user_for(role_orgs: list[tuple[str, str | None]]) -> str | None:
    """A demo user holding one of the (role, organisation) pairs; None: the system acts."""
    for username, _full, memberships in DEMO_USERS:
        for role, org in role_orgs:
            if any(r == role and (org is None or o == org) for o, r in memberships):
                return username
    return None


def invented_subject(rng: random.Random) -> dict[str, str]:
    """An invented identity for a demo case (stored apart from the case, never in its data)."""
    return {"given_name": rng.choice(GIVEN), "family_name": rng.choice(FAMILY)}
