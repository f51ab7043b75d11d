"""Human case references such as CR-2026-000042, one sequence per year."""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError

from engine.store.tables import ReferenceCounter
from engine.store.uow import UnitOfWork


def next_reference(uow: UnitOfWork) -> str:
    """Take the next number of the current year's sequence (inside the caller's transaction)."""
    year = uow.now.year
    value = _bump(uow, year)
    if value is None:
        try:
            with uow.session.begin_nested():
                uow.session.add(ReferenceCounter(year=year, value=0))
        except IntegrityError:
            pass  # another transaction created the year's row first
        value = _bump(uow, year)
    assert value is not None
    return f"{uow.settings.reference_prefix}-{year}-{value:06d}"


_BUMP = (
    update(ReferenceCounter)
    .where(ReferenceCounter.year == bindparam("this_year"))
    .values(value=ReferenceCounter.value + 1)
    .returning(ReferenceCounter.value)
)


def _bump(uow: UnitOfWork, year: int) -> int | None:
    return uow.session.connection().execute(_BUMP, {"this_year": year}).scalar_one_or_none()
