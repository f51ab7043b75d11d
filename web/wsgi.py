"""The WSGI entry point for running gunicorn by hand: `gunicorn 'web.wsgi:app'`.

`percorsi serve` is the tested way to serve (gthread workers, the embedded scheduler, metrics
across workers, JSON logs: see OPERATING.md). This entry point reads the same PERCORSI_*
settings and writes the same logs, but starts no scheduler: run `percorsi scheduler` beside it.
"""

from __future__ import annotations

from engine import Settings
from web.app import create_app
from web.logs import configure_logging

configure_logging(Settings.from_env())
app = create_app()
