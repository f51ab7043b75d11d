"""Whom a case's managers may name to lead it: the SQL condition the case page offers people
with agrees with the rule the commands check."""

from __future__ import annotations

from sqlalchemy import select

from engine import Engine
from engine.commands.accounts import create_user, ensure_organization
from engine.rules.ownership import NAMED_ROLES, actor_of, eligibility, eligible
from engine.store.tables import Case, Organization, User
from workflows.demo_people import create_demo_users
from workflows.seed import seed_network as seed_the_network

# People at the edges of the rule, besides the demo's (username, memberships)
EDGES = (
    (
        "both.services",
        (("comune_cremona", "case_manager"), ("azienda_sociale_cremonese", "case_manager")),
    ),
    ("cm.cgil", (("cgil", "case_manager"),)),  # a case manager, not of a social service
    ("cm.cav", (("cav_aida", "case_manager"),)),  # of a CAV: not a social service either
    ("cav.comune", (("comune_cremona", "cav_operator"),)),
    ("cav.other", (("cav_altro", "cav_operator"),)),  # another CAV's operator
    ("equipe.comune", (("comune_cremona", "equipe_member"),)),
    ("nobody", ()),
)


def test_the_sql_condition_agrees_with_the_rule_for_every_owner_and_role(engine: Engine) -> None:
    with engine.uow() as uow:
        seed_the_network(uow)
    with engine.uow() as uow:
        ensure_organization(uow, "cav_altro", "Un altro Centro antiviolenza", "cav")
        create_demo_users(uow)
        for username, memberships in EDGES:
            create_user(uow, username, memberships=list(memberships), full_name=username)
        uow.commit()
    with engine.uow(write=False) as uow:
        people = {u.username: actor_of(uow, u) for u in uow.session.scalars(select(User))}
        organizations = uow.session.scalars(select(Organization).order_by(Organization.code)).all()
        found: dict[tuple[str | None, str], set[str]] = {}
        for owner in [*organizations, None]:
            # The rule looks only at the owner: a case that owns nothing else will do.
            case = Case(owner_organization_id=owner.id if owner else None)
            for role in (*NAMED_ROLES, "coordinator"):
                by_rule = {n for n, p in people.items() if eligible(uow, case, role, p)}
                by_sql = set(
                    uow.session.scalars(select(User.username).where(eligibility(uow, case, role)))
                )
                assert by_sql == by_rule, (owner and owner.code, role)
                found[(owner.code if owner else None, role)] = by_sql
    assert found[("comune_cremona", "case_manager")] == {"giulia.rossi", "both.services"}
    assert found[("comune_cremona", "cav_operator")] == {"cav.comune"}
    assert found[("cav_aida", "case_manager")] == {"giulia.rossi", "luca.ferrari", "both.services"}
    assert found[("cav_aida", "cav_operator")] == {"anna.conti"}
    assert found[("cav_altro", "cav_operator")] == {"cav.other"}
    assert found[("cgil", "case_manager")] == {"cm.cgil"}  # the rule's, though cgil owns nothing
    assert not found[(None, "case_manager")] and not found[("comune_cremona", "coordinator")]
