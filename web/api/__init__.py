"""REST API v1 (flask-smorest): a thin adapter that parses, calls one use case, and dumps."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask, render_template_string, request, url_for
from flask_smorest import Api

from ..auth import require_credentials
from ..problems import PROBLEM
from .guards import guard_input
from .schemas import ProblemSchema

PREFIX = "/api/v1"
PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui"}
DOCS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Percorsi API v1</title>
<link rel="stylesheet" href="{{ assets }}swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec-url="{{ spec_url }}"></div>
<script src="{{ assets }}swagger-ui-bundle.js"></script>
<script src="{{ assets }}swagger-ui-standalone-preset.js"></script>
<script src="{{ init }}"></script></body></html>
"""


class PercorsiApi(Api):  # type: ignore[misc]
    """flask-smorest's Api whose errors are documented and answered as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are turned into problems by web/problems.py, the one place for that."""

    def _openapi_swagger_ui(self) -> str:
        """Swagger UI from the local swagger-ui-dist copy, started without inline script."""
        return render_template_string(
            DOCS_PAGE,
            assets=self._swagger_ui_url,
            spec_url=url_for(f"{self._make_doc_blueprint_name()}.openapi_json"),
            init=url_for("static", filename="api/swagger-init.js"),
        )

    def _register_responses(self) -> None:
        """Error responses are documented as application/problem+json, as they are sent."""
        for status in HTTPStatus:
            if status < 400:
                continue
            self.spec.components.response(status.name, _problem(status.phrase), lazy=True)
        self.spec.components.response("DEFAULT_ERROR", _problem("An error"), lazy=True)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": ProblemSchema}}}


def _config(app: Flask) -> None:
    app.config.update(
        API_TITLE="Percorsi",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
        API_SPEC_OPTIONS=_spec_options(),
    )


def _spec_options() -> dict[str, Any]:
    return {
        "info": {
            "description": (
                "Cases, tasks and models of the active-inclusion network. Authenticate with "
                "`Authorization: Bearer <token>` (see `percorsi token create`). Errors are "
                "application/problem+json. Lists are paginated by cursor: pass `next_cursor` "
                "back as `cursor`."
            )
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            }
        },
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "servers": [{"url": "/"}],
    }


def init_api(app: Flask) -> None:
    """Mount the API under /api/v1 with its OpenAPI document and Swagger UI."""
    from . import absences, account, admin, cases, incidents, messages, models, privacy, tasks

    _config(app)
    api = PercorsiApi(app)
    for module in (account, models, cases, tasks, incidents, messages, admin, privacy, absences):
        api.register_blueprint(module.blp, url_prefix=f"{PREFIX}{module.PATH}")
    app.before_request(_guard)
    app.extensions["percorsi_api"] = api


def _guard() -> None:
    """Before any argument is parsed: credentials present (401 first), input storable."""
    if not request.path.startswith(PREFIX + "/"):
        return
    if request.endpoint not in PUBLIC_ENDPOINTS and request.method != "OPTIONS":
        require_credentials()  # checked against the database with the request's use case
    guard_input()
