"""`percorsi seed` and `percorsi demo`: idempotent seeding, a reproducible living demo."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from engine import Engine
from engine.commands.accounts import check_password
from engine.store.tables import (
    Case,
    CaseEvent,
    HumanTask,
    Incident,
    Notification,
    Organization,
    Outbox,
    User,
)
from tests.support import FakeClock
from web.cli import main
from web.cli.common import Context
from web.composition import bundled_files
from workflows.demo import DemoExists, create_demo, referral
from workflows.demo_people import DEMO_PASSWORD, DEMO_USERS
from workflows.network import ORGANIZATIONS, TARGET_GROUPS


class Cli:
    """Runs `percorsi` commands in-process, disposing the engine each command built."""

    def invoke(self, command: object, args: list[str]) -> Result:
        context = Context()
        try:
            return CliRunner().invoke(main, args, obj=context)
        finally:
            if context._engine is not None:
                context._engine.dispose()


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("PERCORSI_DATABASE_URL", database_url)
    return Cli()


def test_seed_is_idempotent(cli: Cli, engine: Engine) -> None:
    for _ in range(2):
        result = cli.invoke(main, ["seed"])
        assert result.exit_code == 0, result.output
    assert "15 organisations" in result.output and "cav_operator" in result.output
    with engine.uow(write=False) as uow:
        codes = set(uow.session.scalars(select(Organization.code)))
    assert codes == {code for code, _n, _k in ORGANIZATIONS}


def test_demo_cases_cover_every_group_and_stage(cli: Cli, engine: Engine) -> None:
    for args in (["seed"], ["deploy", "--bundled"], ["demo", "--cases", "24"]):
        result = cli.invoke(main, args)
        assert result.exit_code == 0, result.output
    assert "giulia.rossi" in result.output and DEMO_PASSWORD in result.output
    with engine.uow(write=False) as uow:
        groups = Counter(uow.session.scalars(select(Case.target_group)))
        stages = set(
            uow.session.scalars(select(HumanTask.element_id).where(HumanTask.status == "open"))
        )
        assert uow.session.scalar(select(func.count()).select_from(Incident)) == 0
        statuses = set(uow.session.scalars(select(Case.status)))
        restricted = set(
            uow.session.scalars(select(Case.restricted).where(Case.target_group == "violenza"))
        )
        assert check_password(uow, "anna.conti", DEMO_PASSWORD).has_role("cav_operator")
    assert set(groups) == set(TARGET_GROUPS) and min(groups.values()) == 6
    assert statuses == {"running", "completed"} and restricted == {True}
    assert len(stages) >= 5
    _assert_lived_in(engine)
    again = cli.invoke(main, ["demo", "--cases", "1"])
    assert again.exit_code == 2 and "--force" in again.output
    skipped = cli.invoke(main, ["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "skipped" in skipped.output


def test_demo_is_reproducible_and_refuses_twice(engine: Engine, clock: FakeClock) -> None:
    from engine import SYSTEM
    from engine.commands.deployment import deploy_model
    from workflows.seed import seed_network

    with engine.uow() as uow:
        seed_network(uow)
    with engine.uow() as uow:
        deploy_model(uow, bundled_files(), SYSTEM)
    report = create_demo(engine, 8)
    assert len(report.users_created) == len(DEMO_USERS)
    with pytest.raises(DemoExists):
        create_demo(engine, 1)
    more = create_demo(engine, 2, force=True)
    assert more.users_created == [] and len(more.cases) == 2


def test_demo_referrals_match_the_start_form() -> None:
    import json
    import random
    from datetime import date, timedelta

    from engine.spiff.forms import validate_data

    form = json.loads(bundled_files()["segnalazione.json"])
    rng = random.Random(1)
    day = date(2026, 3, 2)
    for n, group in enumerate(TARGET_GROUPS * 25):
        on = day - timedelta(days=17 * n)
        data, referrer = referral(rng, group, on)
        validate_data(form, data, on)
        assert referrer in {code for code, _n, _k in ORGANIZATIONS}


def _assert_lived_in(engine: Engine) -> None:
    """Claimed tasks, overdue ones up the ladder, review tasks, notifications mostly read."""
    with engine.uow(write=False) as uow:
        s = uow.session
        open_tasks = [
            (t.kind, list(t.candidate_groups), t.escalation_level, name)
            for t, name in s.execute(
                select(HumanTask, User.username)
                .outerjoin(User, User.id == HumanTask.assignee_id)
                .where(HumanTask.status == "open")
            )
        ]
        notifications = Counter(
            (name, read is None)
            for name, read in s.execute(
                select(User.username, Notification.read_at).join(
                    Notification, Notification.user_id == User.id
                )
            )
        )
        undelivered = s.scalar(select(func.count(Outbox.id)).where(Outbox.delivered_at.is_(None)))
        escalated = s.scalar(
            select(func.count(CaseEvent.seq)).where(CaseEvent.kind == "task_escalated")
        )
    managed = [name for _k, groups, _l, name in open_tasks if "case_manager" in groups]
    social_workers = managed.count("giulia.rossi") + managed.count("luca.ferrari")
    assert social_workers >= len(managed) / 2 >= 5
    assert managed.count("giulia.rossi") >= 2 and managed.count("luca.ferrari") >= 2
    levels = Counter(level for kind, _g, level, _n in open_tasks if kind == "bpmn")
    # the ladder fired at more than one step, up to the Comitato's review (level 3)
    assert len([n for n in levels if n > 0]) >= 2 and levels[3] >= 1 and escalated >= 3
    reviews = [(groups, name) for kind, groups, _l, name in open_tasks if kind == "review"]
    assert reviews and all(groups == ["coordinator"] for groups, _n in reviews)
    assert "roberto.villa" in {name for _g, name in reviews}  # the Comitato took some up
    assert undelivered == 0
    read = notifications[("giulia.rossi", False)] + notifications[("luca.ferrari", False)]
    unread = notifications[("giulia.rossi", True)] + notifications[("luca.ferrari", True)]
    # Folded notices and none for one's own tasks: fewer, and most of them read.
    assert read > 30 and read > 2 * unread and notifications[("giulia.rossi", False)] > 15
    assert 2 <= notifications[("giulia.rossi", True)] <= 9
    assert all(notifications[(name, True)] <= 9 for name, *_r in DEMO_USERS)
    assert notifications[("roberto.villa", True)] >= 1  # the escalations reached the Comitato
