"""/healthz answers without authentication and reports the database and the scheduler."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_healthz_reports_database_and_scheduler(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "scheduler": "not running"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
