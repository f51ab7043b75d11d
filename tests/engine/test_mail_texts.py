"""Notices in the recipient's language: the subject and first sentence in the language she chose
in the app (Italian by default), one line in the other; a notice for several tasks says so."""

from __future__ import annotations

from engine import Settings
from engine.notices.mail import compose, title_of

PAYLOAD = {
    "kind": "task_emitted",
    "reference": "CR-2026-000042",
    "task_name": "Conclusione del servizio",
    "item": {"it": "Formazione (Cr.Forma)", "en": "Training (Cr.Forma)"},
    "count": 1,
    "link": "https://percorsi.example.it/tasks/7",
}


def test_titles_name_the_step_its_item_and_how_many_tasks(settings: Settings) -> None:
    assert title_of(PAYLOAD) == (
        "Nuova attività «Conclusione del servizio — Formazione (Cr.Forma)» - CR-2026-000042"
    )
    many = {**PAYLOAD, "count": 3, "kind": "task_overdue"}
    assert title_of(many, "en") == (
        "Task overdue «Conclusione del servizio — Training (Cr.Forma)» (3) - CR-2026-000042"
    )


def test_an_english_user_gets_english_mail(settings: Settings) -> None:
    english = compose(settings, "anna@example.org", {**PAYLOAD, "locale": "en"}, 1)
    assert english["Subject"].startswith("[Percorsi] New task «Conclusione del servizio")
    body = english.get_content()
    assert body.startswith("A new task is waiting for you or your group.")
    assert "Case: CR-2026-000042" in body and "[IT] È disponibile" in body
    italian = compose(settings, "anna@example.org", PAYLOAD, 2)
    assert italian["Subject"].startswith("[Percorsi] Nuova attività")
    assert "Caso: CR-2026-000042" in italian.get_content()
