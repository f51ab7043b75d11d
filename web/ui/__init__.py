"""The operator and coordinator UI: server-rendered Jinja pages with Bootstrap Italia."""

from __future__ import annotations

from flask import Flask


def init_ui(app: Flask) -> None:
    """Register the UI's blueprints (each page group is one small blueprint)."""
    from .absences import bp as absences
    from .auth import bp as auth
    from .caselist import bp as case_list
    from .cases import bp as cases
    from .chrome import init_chrome
    from .dashboard import bp as dashboard
    from .errors import init_errors
    from .fragments import init_fragments
    from .labels import init_labels
    from .migrations import bp as migrations
    from .models import bp as models
    from .notifications import bp as notifications
    from .oidc import init_oidc
    from .ownership import bp as ownership
    from .pages import bp as pages
    from .privacy import bp as privacy
    from .referrals import bp as referrals
    from .tasks import bp as tasks
    from .words import init_words
    from .worklist import bp as worklist

    init_errors(app)
    init_chrome(app)
    init_labels(app)
    init_words(app)
    init_fragments(app)
    init_oidc(app, app.extensions["percorsi"].settings)
    blueprints = (pages, auth, worklist, tasks, referrals, case_list, cases, notifications)
    for blueprint in (*blueprints, ownership, absences, models, migrations, dashboard, privacy):
        app.register_blueprint(blueprint)
