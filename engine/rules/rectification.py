"""Who may correct (rettifica) the answers of a completed task: GDPR art. 16.

The case's named case manager, a case manager of the organisation that owns the case, or an
administrator. Everyone else may still see the answers and the corrections in the audit trail.
"""

from __future__ import annotations

from engine.actors import Actor
from engine.errors import Forbidden
from engine.store.tables import Case
from engine.store.uow import UnitOfWork

ROLE = "case_manager"


def may_rectify(uow: UnitOfWork, actor: Actor, case: Case) -> bool:
    """True for whoever may correct the answers given on this case."""
    if actor.is_admin:
        return True
    if actor.user_id is not None and case.case_manager_id == actor.user_id:
        return True
    if case.organization_id is None or not actor.has_role(ROLE):
        return False
    owner = uow.facts.organization_code(uow.session, case.organization_id)
    return owner is not None and actor.has_role(ROLE, owner)


def require_rectifier(uow: UnitOfWork, actor: Actor, case: Case) -> None:
    if not may_rectify(uow, actor, case):
        raise Forbidden(
            f"{actor.username} may not correct answers on case {case.reference}: its case "
            "manager, or a case manager of its organisation, may"
        )
