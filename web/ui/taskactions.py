"""Claim, unclaim and reassign, for one task or several, with a message per outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext

from engine import Actor
from engine.commands.tasks import assign_task, claim_task, unclaim_task
from engine.errors import (
    EngineError,
    Forbidden,
    InvalidInput,
    NotFound,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
    UserNotFound,
)

from ..auth import engine

TASK_ACTIONS: dict[str, Callable[[int], str]] = {
    "claim": lambda n: ngettext(
        "%(num)d attività presa in carico", "%(num)d attività prese in carico", n
    ),
    "unclaim": lambda n: ngettext(
        "%(num)d attività restituita al gruppo", "%(num)d attività restituite al gruppo", n
    ),
    "assign": lambda n: ngettext("%(num)d attività riassegnata", "%(num)d attività riassegnate", n),
}


def run_action(action: str, task_id: int, actor: Actor, assignee: str = "") -> None:
    """Run one action on one task in its own unit of work."""
    with engine().uow() as uow:
        if action == "claim":
            claim_task(uow, task_id, actor)
        elif action == "unclaim":
            unclaim_task(uow, task_id, actor)
        else:
            if not assignee:
                raise InvalidInput("no assignee", [{"field": "assignee", "code": "required"}])
            assign_task(uow, task_id, assignee, actor)


def conflict_text(exc: EngineError) -> str:
    """What went wrong with a task, said to an operator."""
    if isinstance(exc, TaskClaimedByOther):
        return str(_("L'attività è già stata presa in carico da un'altra persona."))
    if isinstance(exc, TaskAlreadyCompleted):
        return str(_("L'attività è già stata completata da un'altra persona."))
    if isinstance(exc, UserNotFound):
        return str(_("L'utente indicato non esiste o non è attivo."))
    if isinstance(exc, InvalidInput):
        return str(_("Indicare un utente che appartenga a uno dei gruppi dell'attività."))
    if isinstance(exc, Forbidden | NotFound):
        return str(_("L'attività non è disponibile per il suo profilo."))
    return str(_("L'attività è cambiata nel frattempo e non può più essere modificata."))


def run_bulk(action: str, task_ids: list[int], actor: Actor, assignee: str = "") -> list[str]:
    """Run an action on several tasks; one summary line per outcome (3 claimed, 1 taken...)."""
    done = 0
    refused: Counter[str] = Counter()
    for task_id in task_ids:
        try:
            run_action(action, task_id, actor, assignee)
            done += 1
        except EngineError as exc:
            refused[conflict_text(exc)] += 1
    lines = [TASK_ACTIONS[action](done)] if done else []
    lines += [
        ngettext("%(num)d non eseguita: %(why)s", "%(num)d non eseguite: %(why)s", n, why=why)
        for why, n in refused.items()
    ]
    return lines
