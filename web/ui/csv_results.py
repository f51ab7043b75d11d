"""The network's results as CSV tables (aggregates as shown, "<5" kept), and service names."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.reporting.results import Results
from workflows.network import SERVICES_BY_CODE

from .csv_export import Table, by_label
from .words import org_label

RESULT_COLUMNS = (
    ("pacts", _l("Patti firmati")),
    ("traineeships_started", _l("Tirocini avviati")),
    ("traineeships_completed", _l("Tirocini conclusi")),
    ("traineeships_to_job", _l("Tirocini con assunzione")),
    ("reached_28d", _l("Raggiunti a 28 giorni")),
    ("employed_28d", _l("Occupati a 28 giorni")),
    ("reached_6m", _l("Raggiunti a 6 mesi")),
    ("employed_6m", _l("Occupati a 6 mesi")),
    ("outcomes", _l("Esiti registrati")),
    ("dropouts", _l("Abbandoni")),
)


def service_label(code: str) -> str:
    """A service type in the reader's language."""
    found = SERVICES_BY_CODE.get(code)
    if found is None:
        return code.replace("_", " ")
    return found.en if str(get_locale() or "it") == "en" else found.it


def results_table(kind: str, results: Results, by: str, names: dict[str, str]) -> Table:
    """One row per group (results), or per person or organisation (caseload)."""
    if kind == "caseload":
        header = [_("Organizzazione"), _("Operatore"), _("Persone"), _("Casi in corso")]
        rows = [
            [org_label(c.organization), c.full_name or c.username, c.people, c.open_cases]
            for c in results.caseload
        ]
        return header, rows
    header = [
        _("Suddivisione"),
        _("Gruppo"),
        *(str(h) for _k, h in RESULT_COLUMNS),
        *(_("Servizi avviati: %(name)s", name=service_label(t)) for t in results.service_types),
        # The dashboard's msgids; Jinja turns their "%%" into "%", here the "% {}" does.
        _("%% occupati a 28 giorni") % {},
        _("%% occupati a 6 mesi") % {},
        _("%% abbandoni") % {},
    ]
    rows = [
        [
            by_label(by),
            names.get(g.key, g.key),
            *(g.counts[k] for k, _h in RESULT_COLUMNS),
            *(g.services[t] for t in results.service_types),
            g.employed_28d_pct,
            g.employed_6m_pct,
            g.dropout_pct,
        ]
        for g in [*results.groups, results.total]
    ]
    return header, rows
