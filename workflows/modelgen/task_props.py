"""The Percorsi properties of the bundled user tasks: who, which organisation, when, which form.

Case-manager tasks go to the case's owner (`organization` = `case_owner`): the Comune di
Cremona, the Azienda Sociale del Cremonese or, for violence, the CAV (workflows/ownership.py),
and to its named case manager (or CAV operator) when it has one (`assignee` = `named`).
"""

from __future__ import annotations

COMUNE, PROVINCIA, ASC = "comune_cremona", "provincia_cremona", "azienda_sociale_cremonese"
OWNER = "case_owner"
LEADS = "case_manager,cav_operator"  # the owner's lead: case managers, or a CAV's operators
SOFT = "P0D:notify_assignee,P7D:notify_assignee"  # no legal deadlines: reminders only


def task(groups: str, org: str, due: str, form: str, **extra: str) -> dict[str, str]:
    """The Percorsi properties of a user task."""
    props = {"candidateGroups": groups, "organization": org, "dueIn": due}
    props["formKey"] = f"{form}.json"
    props.update(extra)
    return props


def cm(due: str, form: str, **extra: str) -> dict[str, str]:
    """A task for the case's lead in its owning organisation, given to the named person."""
    return task(LEADS, OWNER, due, form, assignee="named", **extra)
