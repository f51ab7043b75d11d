"""What the engine did after a completion, said to the person who completed the task:
"Completata. Prossimo passo: Analisi preliminare — Comune di Cremona", with a link to the case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from engine.notices.mail import task_heading
from engine.reads.context import case_waits, open_tasks_of
from engine.rules.progress import Outcome
from engine.store.tables import HumanTask
from engine.store.uow import UnitOfWork

from .words import day, item_label, org_label

SHOWN = 3  # steps named in the message; the others are counted


@dataclass
class NextSteps:
    """The case after a completion: the tasks just opened, else the ones still open, else the
    wait it is in, else its end."""

    reference: str
    status: str
    opened: list[tuple[str, str | None]] = field(default_factory=list)  # (title, org code)
    still_open: list[tuple[str, str | None]] = field(default_factory=list)
    wait: tuple[str, datetime | None] | None = None

    def message(self) -> dict[str, str]:
        """A flash message with a link to the case (base.html draws the link)."""
        return {
            "text": self.text(),
            "link": url_for("case_pages.detail", reference=self.reference),
            "link_text": str(_("Apri il caso %(ref)s", ref=self.reference)),
        }

    def text(self) -> str:
        if self.opened:
            return str(
                ngettext(
                    "Completata. Prossimo passo: %(steps)s.",
                    "Completata. Prossimi passi: %(steps)s (%(num)d attività).",
                    len(self.opened),
                    steps=_steps(self.opened),
                )
            )
        if self.status != "running":
            return str(_("Completata. Il percorso del caso è concluso."))
        if self.still_open:
            return str(
                _(
                    "Completata. Il caso prosegue con le attività già aperte: %(steps)s.",
                    steps=_steps(self.still_open),
                )
            )
        if self.wait is not None:
            name, until = self.wait
            if until is not None:
                return str(
                    _(
                        "Completata. Il caso è in attesa fino al %(date)s: %(name)s.",
                        date=day(until),
                        name=name,
                    )
                )
            return str(_("Completata. Il caso è in attesa: %(name)s.", name=name))
        return str(_("Completata."))


def _steps(tasks: list[tuple[str, str | None]]) -> str:
    """ "Contributo ASST — ASST di Cremona; Contributo … — Cr.Forma; …" (first SHOWN only)."""
    distinct = list(dict.fromkeys(tasks))
    words = [f"{title} — {org_label(org)}" if org else title for title, org in distinct[:SHOWN]]
    return "; ".join(words) + ("; …" if len(distinct) > SHOWN else "")


def after_completion(uow: UnitOfWork, outcome: Outcome) -> NextSteps:
    """What to tell the person who completed a task, read in the completion's unit of work."""
    case = outcome.case
    steps = NextSteps(case.reference, case.status, [_step(uow, t) for t in outcome.emitted])
    if steps.opened or case.status != "running":
        return steps
    steps.still_open = [_step(uow, t) for t in open_tasks_of(uow, case)]
    waits = case_waits(uow, case)
    steps.wait = (waits[0]["name"], waits[0]["until"]) if waits else None
    return steps


def _step(uow: UnitOfWork, task: HumanTask) -> tuple[str, str | None]:
    title = task_heading(task.name, item_label(task.item))
    org = (
        uow.facts.organization_code(uow.session, task.organization_id)
        if task.organization_id
        else None
    )
    return title, org


def flash_text(message: Any) -> dict[str, Any]:
    """A flashed message as base.html draws it: text, and a link when it has one."""
    if isinstance(message, dict):
        return {
            "text": str(message.get("text", "")),
            "link": message.get("link"),
            "link_text": message.get("link_text"),
        }
    return {"text": str(message), "link": None, "link_text": None}
