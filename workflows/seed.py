"""Seeding the network: its organisations (the signatories and a CAV). Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from engine.commands.accounts import ensure_organization
from engine.store.uow import UnitOfWork

from .network import ORGANIZATIONS, ROLES


@dataclass(frozen=True)
class Seeded:
    """What seeding left in place."""

    organizations: tuple[str, ...]
    roles: tuple[str, ...]


def seed_network(uow: UnitOfWork) -> Seeded:
    """Create or update the organisations of DOMAIN.md; roles are the names of DOMAIN.md."""
    for code, name, kind in ORGANIZATIONS:
        ensure_organization(uow, code, name, kind)
    uow.commit()
    return Seeded(tuple(code for code, _n, _k in ORGANIZATIONS), tuple(ROLES))
