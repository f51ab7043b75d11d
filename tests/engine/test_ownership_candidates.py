"""Whom a case's managers may name to lead it: the SQL condition the case page offers people
with agrees with the rule the commands check, and past a few dozen people the page searches."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import Engine
from engine.commands.accounts import create_user, ensure_organization, load_actor
from engine.errors import CaseNotFound, InvalidInput
from engine.reads.candidates import ownership_candidates, ownership_choices
from engine.rules.ownership import NAMED_ROLES, actor_of, eligibility, eligible
from engine.store.tables import Case, Organization, User
from tests.seed import Seeded, seed_network
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


@pytest.fixture
def seeded(engine: Engine, clock: object) -> Seeded:
    return seed_network(engine, clock)  # type: ignore[arg-type]


def test_the_page_lists_few_people_and_searches_among_many(engine: Engine, seeded: Seeded) -> None:
    reference = seeded.cases[0]  # a Comune di Cremona case
    with engine.uow() as uow:
        create_user(
            uow,
            "nicco.ferre",
            memberships=[("comune_cremona", "case_manager")],
            full_name="Niccolò Ferrè",
        )
        gone = create_user(
            uow, "ex.ferri", memberships=[("comune_cremona", "case_manager")], full_name="Ex Ferri"
        )
        gone.active = False
        uow.commit()
    with engine.uow(write=False) as uow:
        giulia = load_actor(uow, "giulia.rossi")
        listed = ownership_choices(uow, giulia, reference, listed=3)
        assert [p["username"] for p in listed["case_manager"]] == [
            "giulia.rossi",
            "luca.ferri",
            "nicco.ferre",
        ]
        assert listed["searched"] == [] and listed["cav_operator"] == []
        many = ownership_choices(uow, giulia, reference, listed=2)
        assert many["searched"] == ["case_manager"] and many["case_manager"] == []
        assert many["owners"] == listed["owners"]  # transfers are offered either way

        def search(q: str, role: str = "case_manager", limit: int = 15) -> list[tuple[str, str]]:
            return ownership_candidates(uow, giulia, reference, role, q, limit=limit)

        assert search("FERR") == [("luca.ferri", "Luca Ferri"), ("nicco.ferre", "Niccolò Ferrè")]
        assert search("ferre") == [("nicco.ferre", "Niccolò Ferrè")]  # neither case nor accents
        assert search("ferr", limit=1) == [("luca.ferri", "Luca Ferri")]
        assert search("bassi") == []  # a Provincia user is no case manager of a Comune case
        assert search("ex.ferri") == [] and search("  ") == []  # inactive; nothing typed
        assert search("anna", role="cav_operator") == []
        with pytest.raises(InvalidInput):
            search("ferr", role="coordinator")
        with pytest.raises(CaseNotFound):
            ownership_candidates(
                uow, load_actor(uow, "marco.bassi"), reference, "case_manager", "f", limit=5
            )
