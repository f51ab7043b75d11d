"""How a unit of work ends its transaction: what it wrote is kept only when it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from engine import Engine
from engine.store.tables import User
from tests.support import PG_URL

MARKER = "percorsi_prepared_probe"


def full_name(engine: Engine, username: str) -> str:
    with engine.uow(write=False) as uow:
        return str(uow.session.scalar(select(User.full_name).where(User.username == username)))


@pytest.mark.parametrize("write", [False, True])
def test_what_a_unit_of_work_wrote_without_committing_is_not_kept(
    network: Engine, write: bool
) -> None:
    before = full_name(network, "giulia")
    with network.uow(write=write) as uow:  # a statement of its own
        uow.session.execute(
            update(User).where(User.username == "giulia").values(full_name="Changed")
        )
    with network.uow(write=write) as uow:  # an object changed and flushed
        user = uow.session.scalars(select(User).where(User.username == "giulia")).one()
        user.full_name = "Changed"
        uow.session.flush()
    with network.uow(write=write) as uow:  # an object changed, not yet flushed
        user = uow.session.scalars(select(User).where(User.username == "giulia")).one()
        user.full_name = "Changed"
    with pytest.raises(RuntimeError), network.uow(write=write) as uow:  # a read that failed
        uow.session.scalar(select(User.id).where(User.username == "giulia"))
        raise RuntimeError("the view failed")
    assert full_name(network, "giulia") == before != "Changed"


def test_what_a_unit_of_work_committed_is_kept(network: Engine) -> None:
    with network.uow(write=False) as uow:
        uow.session.execute(
            update(User).where(User.username == "giulia").values(full_name="Giulia R.")
        )
        uow.commit()
        uow.session.scalar(select(User.id))  # a read after the commit ends with the unit
    assert full_name(network, "giulia") == "Giulia R."


@pytest.mark.skipif(not PG_URL, reason="psycopg's prepared statements are PostgreSQL's")
def test_reads_on_postgresql_keep_the_statements_psycopg_prepared(network: Engine) -> None:
    """psycopg prepares a statement the fifth time a connection runs it, and forgets them all
    at a rollback: a read must not end with one, or no statement is ever prepared and every
    page pays for parsing its SQL again."""
    network.db.dispose()  # one connection from here on: each read below runs on it
    probe = text(f"SELECT count(*) AS {MARKER} FROM organization")
    for _ in range(7):
        with network.uow(write=False) as uow:
            uow.session.execute(probe).scalar()
    with network.uow(write=False) as uow:
        prepared = uow.session.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :marker"),
            {"marker": f"%{MARKER}%"},
        ).scalar()
    assert prepared == 1
