"""Absences: the caller's own, a colleague's (for her coordinators), and those in one's scope."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine import Actor
from engine.commands.absences import AbsenceRequest, end_absence, set_absence
from engine.errors import NotFound
from engine.reads.absences import describe_absence, list_absences, user_absence
from engine.store.uow import UnitOfWork

from .absence_schemas import AbsenceInSchema, AbsenceListSchema, AbsenceSchema
from .calls import call, read

PATH = ""
blp = Blueprint("absences", __name__, description="Absences and the substitutes who stand in")


def _set(username: str | None, body: dict[str, Any]) -> Any:
    request = AbsenceRequest(body["starts_on"], body["ends_on"], body["substitute"], body["note"])

    def recorded(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        absence = set_absence(uow, actor, username or actor.username, request)
        return describe_absence(uow, absence)

    return call(recorded)


def _get(username: str | None) -> Any:
    def found(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
        name = username or actor.username
        absence = user_absence(uow, actor, name)
        if absence is None:
            raise NotFound(f"{name} has no current or planned absence")
        return absence

    return read(found)


@blp.put("/me/absence")
@blp.arguments(AbsenceInSchema())
@blp.response(200, AbsenceSchema)
def put_mine(body: dict[str, Any]) -> Any:
    """Record the caller's absence, replacing her current or planned one; it starts at once when
    it starts today. The substitute must be a colleague holding the roles of her open tasks."""
    return _set(None, body)


@blp.get("/me/absence")
@blp.response(200, AbsenceSchema)
def get_mine() -> Any:
    """The caller's running or next planned absence (404 if none)."""
    return _get(None)


@blp.put("/users/<username>/absence")
@blp.arguments(AbsenceInSchema())
@blp.response(200, AbsenceSchema)
def put_theirs(body: dict[str, Any], username: str) -> Any:
    """Record a user's absence (herself, coordinators of her organisations, administrators)."""
    return _set(username, body)


@blp.get("/users/<username>/absence")
@blp.response(200, AbsenceSchema)
def get_theirs(username: str) -> Any:
    """A user's running or next planned absence (404 if none)."""
    return _get(username)


@blp.delete("/users/<username>/absence")
@blp.response(200, AbsenceSchema)
def delete_theirs(username: str) -> Any:
    """End a running absence now (the tasks not completed go back) or cancel a planned one."""
    return call(lambda uow, actor: describe_absence(uow, end_absence(uow, actor, username)))


@blp.get("/absences")
@blp.response(200, AbsenceListSchema)
def index() -> Any:
    """Running and planned absences: one's own, those one stands in for, and those of the people
    of a coordinator's organisations."""
    return {"items": read(list_absences)}
