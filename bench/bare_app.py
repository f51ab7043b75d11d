"""The stack's own floor (bench/api.py): a Flask view that parses a JSON body and answers JSON,
with no Percorsi code, served by the same server as the app. What a request costs before any
work of ours: the server, the sockets, Flask and werkzeug."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

app = Flask(__name__)


@app.route("/healthz", methods=["GET", "POST"])
def healthz() -> dict[str, Any]:
    return {"status": "ok", "got": request.get_json(silent=True)}
