"""Facts that never change once written, read once per engine: each saves a query per command.

Organisations keep their code for life (there is no rename nor delete), and deployed versions
are immutable; so an organisation's id by code (and code by id) and a version's number and forms
can be remembered. Only facts that exist are remembered: a missing one is asked again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store.tables import Organization, ProcessVersion


@dataclass(frozen=True)
class VersionFacts:
    """What commands need of a deployed version (its large texts stay in the database)."""

    number: int
    forms: dict[str, Any]
    sha256: str


class Facts:
    """The engine's memory of immutable rows."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._org_ids: dict[str, int] = {}
        self._org_codes: dict[int, str] = {}
        self._versions: dict[int, VersionFacts] = {}

    def organization_id(self, session: Session, code: str) -> int | None:
        """The id of the organisation with this code, or None if there is none."""
        found = self._org_ids.get(code)
        if found is None:
            found = session.scalar(select(Organization.id).where(Organization.code == code))
            if found is not None:
                self._remember(code, found)
        return found

    def organization_code(self, session: Session, organization_id: int) -> str | None:
        """The code of the organisation with this id, or None if there is none."""
        found = self._org_codes.get(organization_id)
        if found is None:
            found = session.scalar(
                select(Organization.code).where(Organization.id == organization_id)
            )
            if found is not None:
                self._remember(found, organization_id)
        return found

    def _remember(self, code: str, organization_id: int) -> None:
        with self._lock:
            self._org_ids[code] = organization_id
            self._org_codes[organization_id] = code

    def version(self, session: Session, version_id: int) -> VersionFacts:
        """A deployed version's number and forms (the version must exist)."""
        found = self._versions.get(version_id)
        if found is None:
            number, forms, sha256 = session.execute(
                select(ProcessVersion.number, ProcessVersion.forms, ProcessVersion.sha256).where(
                    ProcessVersion.id == version_id
                )
            ).one()
            found = VersionFacts(number, dict(forms or {}), sha256)
            with self._lock:
                self._versions[version_id] = found
        return found
