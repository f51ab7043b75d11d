"""Cases of the bundled pathways brought to a given step through the engine, as the demo users
who own each step, so that a browser test starts where it has something to show.

The whole-journey tests carry a case through the pages; the screen tests here skip the steps
they do not look at, through the same use cases the pages call.
"""

from __future__ import annotations

from typing import Any

from engine import Engine
from engine.commands.accounts import load_actor
from engine.commands.referrals import refer_case
from engine.commands.tasks import complete_task
from tests.support import Driver
from workflows.demo_people import user_for

MAIN = "percorso_inclusione"
REFERRAL = {
    "comune": "Cremona",
    "date_of_birth": "2002-05-14",  # 24 on the demo's day: within every target group's ages
    "sex": "F",
    "citizenship": "italiana",
    "privacy_notice": True,
    "consents": {"private_partners": True, "pathway": True, "given_by": "interessato"},
    "urgency": "alta",
    "reason": "Chiede un orientamento al lavoro dopo un lungo periodo di inattività.",
}
PRESA = {"resident": True, "adi": False}
# The CAV's intake of a violence case: she agrees to a work pathway, her name stays with the CAV
VIO_INTAKE = {
    "consent_confirmed": True,
    "identity_to_case_manager": False,
    "safety_plan": True,
    "employed": False,
    "wants_work_path": True,
}
COMPLEX = {
    "first_meeting_date": "2026-11-02",
    "complex_needs": True,
    "work_ready": False,
    "disadvantaged": True,
    "employment_status": "disoccupato",
    "did": True,
    "did_date": "2026-10-20",
}
# The Equipe the case manager calls, and the day it meets (after the demo's "now")
PARTNERS = ["azienda_sociale_cremonese", "provincia_cremona", "asst_cremona", "cr_forma", "cgil"]
CONVOCATION = {"equipe_partners": PARTNERS, "meeting_date": "2026-11-20"}
CONTRIBUTION = {"assessment": "fragilita", "proposed_services": ["formazione", "orientamento"]}
SINTESI = {"meeting_held_on": "2026-11-16", "joint_project": True}


class Pathways(Driver):
    """Referrals and completed steps on the demo server, each as a user who may do it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)

    def refer(self, target_group: str, by: str, organization: str, **extra: Any) -> str:
        """A referral typed by `by` for `organization`, as the referral page sends it."""
        data = {
            **REFERRAL,
            "target_group": target_group,
            "subject": {"given_name": "Nora", "family_name": "Inventata"},
            **extra,
        }
        with self.engine.uow() as uow:
            case = refer_case(uow, MAIN, data, load_actor(uow, by), organization=organization)
        return case.case.reference

    def do(self, ref: str, element: str, data: dict[str, Any]) -> None:
        """Complete every open `element` task of the case as a user holding its group."""
        for task in [t for t in self.tasks(ref) if t.element_id == element]:
            user = user_for([(g, task.organization) for g in task.candidate_groups])
            assert user is not None, f"no demo user may do {element}"
            with self.engine.uow() as uow:
                complete_task(uow, task.id, data, load_actor(uow, user))

    def task_id(self, ref: str, element: str) -> int:
        return int(self.task(ref, element).id)

    def to_joint_pact(self) -> str:
        """A complex case past the Equipe's five contributions and synthesis: its next step is
        "Firma del patto congiunto" for the Comune's case managers."""
        ref = self.refer("adulti", "giulia.rossi", "comune_cremona")
        self.do(ref, "presa_atto", PRESA)
        self.do(ref, "analisi_preliminare", COMPLEX)
        self.do(ref, "convocazione_equipe", CONVOCATION)
        self.do(ref, "contributo_equipe", CONTRIBUTION)  # one task per partner
        self.do(ref, "sintesi_equipe", SINTESI)
        return ref
