"""What makes the demo look lived in: claimed tasks, late ones, a scheduler that has run.

Operators claim most of the open tasks of their groups; some cases stall on a task that is now
a few days (or a week or more) overdue; the scheduler's duties then run over the demo's history
as they would have in production, so the escalation ladder has fired, the Comitato has review
tasks and every notification was delivered near its cause; older notifications are read.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from engine import Actor, Engine
from engine.commands.accounts import load_actor
from engine.commands.tasks import claim_task
from engine.errors import Conflict
from engine.notices.notifications import mark_read_except_latest
from engine.notices.outbox import deliver_due
from engine.reads.queries import TaskRow, open_tasks
from engine.rules.reviews import COMITATO_ROLE
from engine.scheduling.duties import tick
from engine.scheduling.escalation import escalate_due_tasks

from .demo_people import DEMO_USERS, user_for

# A stalled case stops at the first task due in the last `n` days: (odds, n) by lateness.
STALLS = ((0.16, 3), (0.16, 8), (0.16, 21))
CLAIM_ODDS = 0.7  # share of open tasks someone of their groups holds
LATE_CLAIM_ODDS = 0.85  # a task left late is usually held by someone who has not done it
RECENT_DAYS = 21  # the scheduler's passes are daily over these days, weekly before
UNREAD = (2, 9)  # each demo user keeps between these many newest notifications unread

Actors = dict[str | None, Actor]


def draw_stall(rng: random.Random) -> timedelta | None:
    """How late a case may be left on its current task (None: the case is worked normally)."""
    roll = rng.random()
    for odds, days in STALLS:
        if roll < odds:
            return timedelta(days=days)
        roll -= odds
    return None


def stalls_on(task: TaskRow, stall: timedelta | None, present: datetime) -> bool:
    """True when a stalled case's operator leaves this task undone past its due date."""
    due = task.due_at
    return stall is not None and due is not None and present - stall <= due < present


def claim_open_tasks(
    engine: Engine,
    rng: random.Random,
    tasks: list[TaskRow],
    since: datetime,
    present: datetime,
    actors: Actors,
) -> int:
    """Claim a share of a case's open tasks for the demo user who would do them."""
    claimed = 0
    for task in tasks:
        late = task.due_at is not None and task.due_at < present
        username = user_for([(g, task.organization) for g in task.candidate_groups])
        if username is None or rng.random() >= (LATE_CLAIM_ODDS if late else CLAIM_ODDS):
            continue
        at = min(since + timedelta(hours=rng.uniform(1, 30)), present)
        with engine.uow(now=at) as uow:
            if username not in actors:
                actors[username] = load_actor(uow, username)
            try:
                claim_task(uow, task.id, actors[username])
            except Conflict:
                continue
        claimed += 1
    return claimed


def run_scheduler(engine: Engine, since: datetime, present: datetime) -> int:
    """Escalate and deliver as the scheduler would have since `since`; last, a full tick."""
    moments: list[datetime] = []
    recent = present - timedelta(days=RECENT_DAYS)
    moment = since
    while moment < present:
        moments.append(moment)
        moment += timedelta(days=1 if moment >= recent else 7)
    steps = 0
    for moment in moments:
        steps += escalate_due_tasks(engine, moment)
        deliver_due(engine, moment)
    return steps + tick(engine, present).escalations


def claim_reviews(engine: Engine, rng: random.Random, present: datetime, actors: Actors) -> int:
    """The Comitato's coordinator has taken up most of the review tasks the ladder opened."""
    with engine.uow(write=False) as uow:
        reviews = [t for t in open_tasks(uow, group=COMITATO_ROLE) if t.assignee is None]
    return claim_open_tasks(engine, rng, reviews, present, present, actors)


def read_old_notifications(engine: Engine, rng: random.Random, present: datetime) -> None:
    """Each demo user has read all but a handful of their newest notifications."""
    with engine.uow(now=present) as uow:
        for username, _full, _memberships in DEMO_USERS:
            mark_read_except_latest(uow, load_actor(uow, username), rng.randint(*UNREAD))
