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
    "consent": True,
    "privacy_notice": True,
    "urgency": "alta",
    "reason": "Chiede un orientamento al lavoro dopo un lungo periodo di inattività.",
}
PRESA = {"resident": True, "adi": False}
COMPLEX = {
    "first_meeting_date": "2026-11-02",
    "complex_needs": True,
    "work_ready": False,
    "disadvantaged": True,
}
CONTRIBUTION = {"assessment": "fragilita", "proposed_services": ["formazione", "orientamento"]}
SINTESI = {"meeting_date": "2026-11-10", "joint_project": True}


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
        for key in ("sociale", "lavoro", "sanitario", "formazione", "cooperativa"):
            self.do(ref, f"contributo_{key}", CONTRIBUTION)
        self.do(ref, "sintesi_equipe", SINTESI)
        return ref
