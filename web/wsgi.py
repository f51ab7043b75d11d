"""The WSGI entry point for production servers: `gunicorn -w 4 'web.wsgi:app'`.

Settings come from the environment (PERCORSI_*). No scheduler runs inside the web workers: run
one `percorsi scheduler` process beside them.
"""

from __future__ import annotations

from web.app import create_app

app = create_app()
