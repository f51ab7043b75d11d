"""Row locks on cases: a command loads its case FOR UPDATE (SQLite holds the write lock already),
and refuses a case that changed since the caller read it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from engine.errors import CaseNotFound, StaleCase
from engine.store.tables import Case
from engine.store.uow import UnitOfWork


def lock_case(uow: UnitOfWork, case_id: int, expected_version: int | None = None) -> Case:
    """Load a case with its row locked (FOR UPDATE; SQLite holds the write lock already)."""
    case = lock_case_where(uow, Case.id == case_id, expected_version)
    if case is None:
        raise CaseNotFound(f"case {case_id} does not exist")
    return case


def lock_case_where(
    uow: UnitOfWork, condition: ColumnElement[bool], expected_version: int | None = None
) -> Case | None:
    """The case meeting `condition`, its row locked; None if there is none."""
    case = uow.session.scalar(
        select(Case).where(condition).with_for_update().execution_options(populate_existing=True)
    )
    if case is not None:
        check_version(case, expected_version)
    return case


def lock_cases(uow: UnitOfWork, case_ids: list[int]) -> None:
    """Lock many cases' rows, in id order, in one statement (SQLite: the write lock is held
    from BEGIN IMMEDIATE already); their rows are not read."""
    if case_ids and not uow.settings.is_sqlite:
        uow.session.execute(
            select(Case.id).where(uow.among(Case.id, case_ids)).order_by(Case.id).with_for_update()
        )


def check_version(case: Case, expected_version: int | None) -> None:
    """StaleCase if the caller saw another version of the case than the stored one."""
    if expected_version is not None and case.lock_version != expected_version:
        raise StaleCase(
            f"case {case.reference} changed meanwhile (version {case.lock_version}, "
            f"you had {expected_version}); reload it"
        )
