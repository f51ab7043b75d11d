"""Schemathesis against /api/v1/openapi.json: no 5xx, every response matches its schema, every
status code is documented, and invalid (negative) data is refused with a 4xx.

A bounded, derandomised run (a few examples per operation, positive and negative data) on a
small seeded network, as an administrator, so that generated ids meet real cases and tasks.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from engine import Engine, Settings
from engine.commands.accounts import create_token, create_user, ensure_organization
from tests.support import Driver
from web.app import create_app
from web.composition import build_engine

MAX_EXAMPLES = 6


@pytest.fixture
def admin_token(engine: Engine) -> str:
    """A small world: two organisations, an administrator, a model and two cases."""
    with engine.uow() as uow:
        for code in ("comune_cremona", "provincia_cremona"):
            ensure_organization(uow, code, code)
        create_user(uow, "root", is_admin=True)
        token = create_token(uow, "root", "schemathesis").token
        uow.commit()
    driver = Driver(engine)
    driver.deploy("three_tasks.bpmn", "intake.json")
    for _ in range(2):
        driver.start("three_tasks", {"target_group": "giovani"}, organization="comune_cremona")
    return token


def _document_app() -> Flask:
    """An app only for reading the OpenAPI document at collection time (no database needed)."""
    settings = Settings.from_env({}, database_url="sqlite://", secret_key="openapi-only")
    return create_app({"TESTING": True}, engine=build_engine(settings))


# Loaded at import: schemathesis' lazy fixture loader does not run on pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_schema(case: Any, app: Flask, admin_token: str) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    case.call_and_validate(
        app=app,
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            content_type_conformance,
            status_code_conformance,
            negative_data_rejection,
        ],
    )
