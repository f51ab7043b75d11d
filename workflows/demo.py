"""`percorsi demo`: invented operators and cases spread over every stage and target group.

Each case is driven through the engine's own use cases with a moving "now": it opens some
time in the past and its tasks are completed around their due dates (a few late), timers
fire when due, and the simulation stops at the present, so the case has a realistic history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from engine import SYSTEM, Engine
from engine.commands.accounts import load_actor
from engine.commands.cases import start_case
from engine.commands.tasks import complete_task
from engine.errors import Conflict
from engine.reads.queries import TaskRow, find_case, open_tasks
from engine.scheduling.timers import claim_due_cases, fire_case_timers

from .catalogue import MAIN_PROCESS
from .comuni import COMUNI, CREMONA, OUTSIDE
from .demo_answers import Scenario, answer
from .demo_life import (
    Actors,
    claim_open_tasks,
    claim_reviews,
    draw_stall,
    read_old_notifications,
    run_scheduler,
    stalls_on,
)
from .demo_people import MARKER_USER, create_demo_users, invented_subject, user_exists, user_for
from .eligibility import age_on
from .network import TARGET_GROUPS

SEED = 20250702  # the date of the Giunta's resolution: any fixed number would do
HISTORY_DAYS = 400
MAX_COMMANDS = 80
REFERRERS = (
    "comune_cremona",
    "azienda_sociale_cremonese",
    "provincia_cremona",
    "cgil",
    "cisl",
    "uil",
    "forum_terzo_settore",
    "asst_cremona",
)


class DemoExists(Conflict):
    title = "Demo already created"


@dataclass
class DemoReport:
    """What `percorsi demo` did."""

    users_created: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    skipped: str | None = None
    claimed: int = 0
    escalations: int = 0


def has_demo(engine: Engine) -> bool:
    """True when the demo's users exist."""
    with engine.uow(write=False) as uow:
        return user_exists(uow, MARKER_USER)


def is_empty(engine: Engine) -> bool:
    """No demo users and no open tasks: a database nobody has worked in yet."""
    with engine.uow(write=False) as uow:
        return not user_exists(uow, MARKER_USER) and not open_tasks(uow)


def create_demo(
    engine: Engine, cases: int, *, force: bool = False, now: datetime | None = None
) -> DemoReport:
    """Create the demo users (once) and `cases` simulated cases, reproducibly."""
    if has_demo(engine) and not force:
        raise DemoExists(
            f"the database already holds the demo (user {MARKER_USER} exists); "
            "use --force to add more demo cases"
        )
    report = DemoReport()
    with engine.uow() as uow:
        report.users_created = create_demo_users(uow)
        uow.commit()
    rng = random.Random(SEED)
    present = now or engine.clock()
    actors: Actors = {}
    for index in range(cases):
        reference, claimed = simulate_case(engine, rng, index, present, actors)
        report.cases.append(reference)
        report.claimed += claimed
    if cases:
        report.escalations = run_scheduler(engine, present - timedelta(HISTORY_DAYS), present)
        report.claimed += claim_reviews(engine, rng, present, actors)
        read_old_notifications(engine, rng, present)
    return report


def referral(rng: random.Random, target_group: str, on: date) -> tuple[dict[str, Any], str]:
    """Start data (the segnalazione form) of a demo case referred `on` a day, and who refers."""
    referrer = rng.choice(REFERRERS)
    if target_group == "violenza":
        referrer = "cgil" if rng.random() < 0.03 else rng.choice(["cav_aida", "comune_cremona"])
    young = target_group == "giovani"
    years = rng.randint(17, 28) if young else rng.randint(30, 62)
    born = on - timedelta(days=years * 365 + rng.randint(10, 330))  # aged years-1 or years
    age = age_on(born, on)
    consents: dict[str, Any] = {"private_partners": rng.random() < 0.85}
    if target_group == "violenza":
        consents["pathway"] = True
    consents["given_by"] = "genitore" if age < 18 else "interessato"  # a minor's parent
    data = {
        "subject": invented_subject(rng),
        "target_group": target_group,
        "comune": _comune(rng),
        "date_of_birth": born.isoformat(),
        "sex": "F" if target_group == "violenza" else rng.choice(["F", "M"]),
        "citizenship": rng.choice(["italiana", "italiana", "italiana", "ue", "extra_ue"]),
        "privacy_notice": True,
        "consents": consents,
        "urgency": rng.choice(["bassa", "media", "media", "alta"]),
        "reason": "Segnalazione dimostrativa",
    }
    return data, referrer


def _comune(rng: random.Random) -> str:
    """About four referrals in ten from Cremona, a few from outside the Ambito (those are
    routed out, except a woman the CAV takes in charge)."""
    roll = rng.random()
    if roll < 0.08:
        return OUTSIDE
    if roll < 0.45:
        return CREMONA
    return rng.choice([c.name for c in COMUNI if c.name != CREMONA])


def simulate_case(
    engine: Engine,
    rng: random.Random,
    index: int,
    present: datetime,
    actors: Actors | None = None,
) -> tuple[str, int]:
    """Open one case in the past, drive it up to the present; returns it and the tasks claimed."""
    group = TARGET_GROUPS[index % len(TARGET_GROUPS)]
    scenario = Scenario.draw(rng, group)
    # Recent cases are commoner (cases close): ages skew towards the present.
    moment = present - timedelta(days=rng.triangular(0, HISTORY_DAYS, 0))
    data, referrer = referral(rng, group, moment.date())
    if index % 12 == 6:  # now and then someone from outside the Ambito, routed out
        data["comune"] = OUTSIDE
    scenario.resident = scenario.resident and data["comune"] != OUTSIDE
    with engine.uow(now=moment) as uow:
        case = start_case(uow, MAIN_PROCESS, data, SYSTEM, organization=referrer).case
    sim = _Simulation(engine, rng, scenario, case.reference, actors)
    sim.present, sim.stall = present, draw_stall(rng)
    state: tuple[str, datetime | None] = (case.status, case.next_wakeup_at)
    for _ in range(MAX_COMMANDS):
        step = sim.next_step(moment, *state)
        if step is None or step[0] > present:
            break
        moment, task = step
        state = sim.fire(moment) if task is None else sim.complete(task, moment)
    if state[0] != "running":
        return case.reference, 0
    return case.reference, claim_open_tasks(
        engine, rng, sim.open_tasks(), moment, present, sim.actors
    )


class _Simulation:
    """One demo case being driven; actors are loaded once per user and demo run."""

    def __init__(
        self,
        engine: Engine,
        rng: random.Random,
        scenario: Scenario,
        ref: str,
        actors: Actors | None,
    ) -> None:
        self.engine, self.rng, self.scenario, self.reference = engine, rng, scenario, ref
        self.actors = {} if actors is None else actors
        self.present: datetime | None = None
        self.stall: timedelta | None = None

    def open_tasks(self) -> list[TaskRow]:
        with self.engine.uow(write=False) as uow:
            return open_tasks(uow, case_reference=self.reference)

    def next_step(
        self, moment: datetime, status: str, wakeup: datetime | None
    ) -> tuple[datetime, TaskRow | None] | None:
        """When the next thing happens: a timer (task None) or the completion of a task."""
        if status != "running":
            return None
        tasks = self.open_tasks()
        planned = None
        if tasks:
            planned = (tasks[0], moment + _delay(self.rng, moment, tasks[0].due_at))
            if self.present and stalls_on(tasks[0], self.stall, self.present):
                planned = (tasks[0], self.present + timedelta(days=30))  # left undone
        if wakeup is not None and (planned is None or wakeup <= planned[1]):
            return max(wakeup, moment) + timedelta(seconds=1), None
        return None if planned is None else (planned[1], planned[0])

    def fire(self, moment: datetime) -> tuple[str, datetime | None]:
        with self.engine.uow(now=moment) as uow:
            claimed = claim_due_cases(uow, [find_case(uow, self.reference).id], moment)
            if not claimed:
                return "running", None
            case = claimed[0]
            fire_case_timers(uow, case)
            uow.commit()
            return case.status, case.next_wakeup_at

    def complete(self, task: TaskRow, moment: datetime) -> tuple[str, datetime | None]:
        username = user_for([(g, task.organization) for g in task.candidate_groups])
        data = answer(task.element_id, self.scenario, moment.date())
        with self.engine.uow(now=moment) as uow:
            if username not in self.actors:
                self.actors[username] = load_actor(uow, username)
            case = complete_task(uow, task.id, data, self.actors[username]).case
            return case.status, case.next_wakeup_at


def _delay(rng: random.Random, moment: datetime, due: datetime | None) -> timedelta:
    """Operators work near the due date; about one task in eight is late."""
    room = (due - moment) if due is not None and due > moment else timedelta(days=10)
    share = rng.uniform(1.05, 1.6) if rng.random() < 0.12 else rng.uniform(0.1, 0.9)
    return max(timedelta(hours=4), min(room * share, timedelta(days=300)))
