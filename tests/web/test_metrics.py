"""/metrics: names and values after a known sequence of commands, and who may read them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from engine import Engine, Settings
from engine.commands.tasks import complete_task
from engine.errors import ConfigurationError, TaskAlreadyCompleted
from engine.scheduling.scheduler import Scheduler
from tests.support import Driver, FakeClock
from web.app import create_app
from web.composition import build_engine

TOKEN = "metrics-token-for-tests"


def _app(settings: Settings, clock: FakeClock, **changes: Any) -> tuple[Flask, Engine]:
    engine = build_engine(dataclasses.replace(settings, **changes), clock=clock)
    return create_app({"TESTING": True, "SECRET_KEY": "t"}, engine=engine), engine


@pytest.fixture
def served(settings: Settings, clock: FakeClock) -> Iterator[tuple[Flask, Engine]]:
    app, engine = _app(settings, clock, metrics_token=TOKEN, metrics_cache_seconds=0.0)
    yield app, engine
    engine.dispose()


def scrape(app: Flask) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.content_type.startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_metrics_after_a_known_sequence_of_commands(
    served: tuple[Flask, Engine], clock: FakeClock
) -> None:
    app, engine = served
    drive = Driver(engine)

    _people(engine)
    drive.deploy("three_tasks.bpmn", "intake.json", "timer_wait.bpmn")
    first = drive.start("three_tasks", as_user="giulia")
    drive.start("three_tasks", as_user="giulia")
    drive.start("timer_wait")
    task = drive.task(first, "intake")
    drive.complete(first, "intake", {"resident": True, "urgency": "low"}, as_user="giulia")
    with pytest.raises(TaskAlreadyCompleted), engine.uow() as uow:
        complete_task(uow, task.id, {"resident": True, "urgency": "low"}, drive.actor("giulia"))

    clock.advance(hours=1, seconds=90)  # the one-hour timer fires 90 s late
    assert Scheduler(engine).run_once() is not None
    samples = scrape(app)

    assert value(samples, "percorsi_commands_total", command="start_case", outcome="ok") == 3
    assert value(samples, "percorsi_commands_total", command="complete_task", outcome="ok") == 1
    assert (
        value(samples, "percorsi_commands_total", command="complete_task", outcome="conflict") == 1
    )
    assert value(samples, "percorsi_commands_total", command="deploy_model", outcome="ok") == 1
    assert value(samples, "percorsi_commands_total", command="fire_timer", outcome="ok") == 1
    assert value(samples, "percorsi_command_duration_seconds_count", command="start_case") == 3
    assert value(samples, "percorsi_command_duration_seconds_sum", command="start_case") > 0
    assert value(samples, "percorsi_timers_fired_total") == 1
    assert value(samples, "percorsi_timer_lateness_seconds_count") == 1
    assert value(samples, "percorsi_timer_lateness_seconds_sum") == 90.0
    assert value(samples, "percorsi_timer_lateness_seconds_bucket", le="60.0") == 0
    assert value(samples, "percorsi_timer_lateness_seconds_bucket", le="300.0") == 1
    assert value(samples, "percorsi_scheduler_passes_total", outcome="ok") == 1
    assert value(samples, "percorsi_scheduler_pass_duration_seconds_count") == 1
    # From the database: the second case's intake (Comune's) and the first's assessment.
    assert value(samples, "percorsi_tasks_open", organization="comune_cremona") == 1
    assert value(samples, "percorsi_tasks_open", organization="none") == 1
    assert value(samples, "percorsi_tasks_overdue", organization="comune_cremona") == 0
    assert value(samples, "percorsi_timers_due") == 0
    assert value(samples, "percorsi_outbox_pending") == 0  # delivered by the pass (in-app)
    assert value(samples, "percorsi_outbox_failed") == 0
    assert value(samples, "percorsi_incidents_open") == 0
    assert value(samples, "percorsi_metrics_database_seconds") > 0

    clock.advance(days=11)  # intake is due in 10 days, the assessment in 30
    later = scrape(app)
    assert value(later, "percorsi_tasks_overdue", organization="comune_cremona") == 1
    assert value(later, "percorsi_tasks_overdue", organization="none") == 0
    assert value(later, "percorsi_escalations_due") == 1
    assert value(later, "percorsi_http_requests_total", method="GET", status="200") == 1


def _people(engine: Engine) -> None:
    from engine.commands.accounts import create_user, ensure_organization

    with engine.uow() as uow:
        ensure_organization(uow, "comune_cremona", "Comune di Cremona")
        create_user(uow, "giulia", memberships=[("comune_cremona", "case_manager")])
        uow.commit()


def test_metrics_are_off_until_a_token_or_an_address_is_set(
    settings: Settings, clock: FakeClock
) -> None:
    app, engine = _app(settings, clock)
    response = app.test_client().get("/metrics")
    assert response.status_code == 404
    assert "PERCORSI_METRICS_TOKEN" in response.text
    engine.dispose()


def test_metrics_refuse_a_wrong_token_and_other_addresses(
    settings: Settings, clock: FakeClock
) -> None:
    app, engine = _app(settings, clock, metrics_token=TOKEN, metrics_allow="10.1.0.0/16")
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    inside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert inside.status_code == 200 and "percorsi_tasks_open" in inside.text
    engine.dispose()
    app, engine = _app(settings, clock, metrics_allow="127.0.0.1, ::1")
    client = app.test_client()
    assert client.get("/metrics").status_code == 200  # the test client calls from 127.0.0.1
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert outside.status_code == 403
    engine.dispose()


def test_a_malformed_allow_list_stops_the_app_naming_the_variable(
    settings: Settings, clock: FakeClock
) -> None:
    with pytest.raises(ConfigurationError, match=r"PERCORSI_METRICS_ALLOW='10\.0\.0\.300'"):
        _app(settings, clock, metrics_allow="10.0.0.300")
