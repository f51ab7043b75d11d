"""Fixtures for the scheduler's tests: a real local SMTP server and an engine that mails to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from engine import Engine, Settings
from engine.commands.accounts import create_user, ensure_organization
from tests.mailbox import SmtpServer
from tests.support import Driver, FakeClock
from web.composition import build_engine


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return replace(
        settings,
        # These tests climb the full ladder on restricted cases too (configured as such).
        restricted_escalation_ladder=settings.escalation_ladder,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_timeout=5.0,
        base_url="https://percorsi.example.it",
    )


@pytest.fixture
def mail_engine(mail_settings: Settings, clock: FakeClock) -> Iterator[Engine]:
    """An engine with SMTP on, and a network whose people have e-mail addresses."""
    eng = build_engine(mail_settings, clock=clock)
    with eng.uow() as uow:
        for code in ("comune_cremona", "provincia_cremona", "asst_cremona"):
            ensure_organization(uow, code, code.replace("_", " ").title())
        people = [
            ("anna", "comune_cremona", "case_manager"),
            ("bruno", "comune_cremona", "case_manager"),
            ("paolo", "comune_cremona", "coordinator"),
            ("sara", "provincia_cremona", "coordinator"),
            ("marco", "provincia_cremona", "cpi_operator"),
        ]
        for name, org, role in people:
            create_user(uow, name, memberships=[(org, role)], email=f"{name}@example.it")
        uow.commit()
    yield eng
    eng.dispose()


@pytest.fixture
def access_drive(network: Engine) -> Driver:
    """The network plus people of other roles and organisations, and three_tasks deployed."""
    with network.uow() as uow:
        ensure_organization(uow, "cr_forma", "Cr.Forma")
        create_user(uow, "sara", memberships=[("cr_forma", "training_tutor")])
        create_user(uow, "anna", memberships=[("cav_aida", "cav_operator")])
        create_user(uow, "paolo", memberships=[("comune_cremona", "case_manager")])
        create_user(uow, "ugo", memberships=[("comune_cremona", "cabina_viewer")])
        create_user(uow, "ada", memberships=[("comune_cremona", "auditor")])
        uow.commit()
    driver = Driver(network)
    driver.deploy("three_tasks.bpmn", "intake.json")
    return driver
