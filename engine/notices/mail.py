"""E-mail: the text of each notification (Italian, with an English line) and SMTP sending.

A notification carries only the case reference, the task name, the due date and a link. It
never carries the subject's identity, health data or form data: those stay behind the login.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from types import TracebackType
from typing import Any

from engine.settings import Settings

# kind -> (Italian subject, English subject, Italian sentence, English sentence)
TEXTS: dict[str, tuple[str, str, str, str]] = {
    "task_emitted": (
        "Nuova attività",
        "New task",
        "È disponibile una nuova attività per lei o per il suo gruppo.",
        "A new task is waiting for you or your group.",
    ),
    "task_assigned": (
        "Attività assegnata",
        "Task assigned",
        "Le è stata assegnata un'attività.",
        "A task has been assigned to you.",
    ),
    "task_substituted": (
        "Attività in sostituzione di un collega",
        "Task of an absent colleague",
        "Ti è stata affidata un'attività di un collega assente, che la riavrà al rientro.",
        "A task of an absent colleague is now yours; it goes back when they return.",
    ),
    "task_overdue": (
        "Attività scaduta",
        "Task overdue",
        "L'attività ha superato la scadenza.",
        "The task is past its due date.",
    ),
    "task_escalated": (
        "Attività in ritardo: segnalata ai coordinatori",
        "Overdue task escalated to coordinators",
        "L'attività è ancora aperta dopo la scadenza: come coordinatore, la verifichi.",
        "The task is still open after its due date; as a coordinator, please look into it.",
    ),
    "review_opened": (
        "Riesame del Comitato tecnico operativo",
        "Review by the Comitato tecnico operativo",
        "Un caso è fermo da troppo tempo: è stato aperto un riesame del Comitato.",
        "A case has been stuck too long: a review task has been opened.",
    ),
    "task_reminder": (
        "Sollecito del Comitato tecnico operativo",
        "Reminder from the Comitato tecnico operativo",
        "Il Comitato tecnico operativo ricorda che questa attività attende ancora chi la detiene.",
        "The Comitato tecnico operativo reminds you that this task is still waiting for you.",
    ),
    "incident": (
        "Anomalia su un caso",
        "Incident on a case",
        "Un passo automatico del caso non è riuscito e attende un coordinatore.",
        "An automatic step of the case failed and awaits a coordinator.",
    ),
    "case_assigned": (
        "Caso affidato",
        "Case entrusted to you",
        "Sei ora la persona di riferimento del caso.",
        "You are now the named person of the case.",
    ),
    "case_transferred": (
        "Caso trasferito alla tua organizzazione",
        "Case transferred to your organisation",
        "Un caso è stato trasferito alla tua organizzazione, con le sue attività aperte.",
        "A case has been transferred to your organisation, with its open tasks.",
    ),
}


class MailError(Exception):
    """Sending failed; the outbox retries later."""


def task_heading(name: str, label: str | None) -> str:
    """A task's name with what it works on, for one of several parallel tasks; the item is left
    out when the name already says it ("Avvio: Formazione (Cr.Forma)")."""
    return f"{name} — {label}" if label and label not in name else name


def title_of(payload: dict[str, Any], locale: str = "it") -> str:
    """The short title of a notification (also the in-app text and the e-mail subject):
    «Nuova attività «Conclusione del servizio — Formazione» (2) - CR-2026-000001»."""
    english = locale == "en"
    it, en, _s, _e = TEXTS.get(str(payload.get("kind")), ("Notifica", "Notice", "", ""))
    task = ""
    if payload.get("task_name"):
        item = payload.get("item") if isinstance(payload.get("item"), dict) else {}
        label = (item or {}).get("en" if english else "it") or (item or {}).get("it")
        task = f" «{task_heading(str(payload['task_name']), label)}»"
    count = int(payload.get("count") or 1)
    many = f" ({count})" if count > 1 else ""
    return f"{en if english else it}{task}{many} - {payload.get('reference', '')}"


def compose(
    settings: Settings, recipient: str, payload: dict[str, Any], outbox_id: int
) -> EmailMessage:
    """The e-mail for one notification: reference, task name, due date and link only, in the
    recipient's language (Italian unless they chose English), with one line in the other."""
    english = payload.get("locale") == "en"
    _it, en, sentence_it, sentence_en = TEXTS.get(
        str(payload.get("kind")), ("Notifica", "Notice", "", "")
    )
    words = _EN if english else _IT
    lines = [sentence_en if english else sentence_it, ""]
    lines.append(f"{words[0]}: {payload.get('reference', '')}")
    if payload.get("task_name"):
        count = int(payload.get("count") or 1)
        lines.append(f"{words[1]}: {payload['task_name']}" + (f" ({count})" if count > 1 else ""))
    if payload.get("due_at"):
        lines.append(f"{words[2]}: {str(payload['due_at'])[:16].replace('T', ' ')} UTC")
    other = f"[IT] {sentence_it}" if english else f"[EN] {en}. {sentence_en}"
    lines += [f"{words[3]}: {payload.get('link', settings.base_url)}", "", other]
    lines += ["", "-- ", "Percorsi - Rete per l'inclusione attiva, Ambito Cremonese"]
    message = EmailMessage()
    message["Subject"] = f"[Percorsi] {title_of(payload, 'en' if english else 'it')}"
    message["From"] = settings.smtp_from
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    # A stable id: a copy re-sent after a crash (at-least-once) can be recognised by clients.
    domain = settings.smtp_from.rpartition("@")[2] or "percorsi.local"
    message["Message-ID"] = f"<percorsi.outbox.{outbox_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines))
    return message


_IT = ("Caso", "Attività", "Scadenza", "Apri")
_EN = ("Case", "Task", "Due", "Open")


class SmtpSender:
    """One SMTP connection for a batch: STARTTLS when `smtp_tls`, implicit TLS on port 465."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        s = self.settings
        try:
            if s.smtp_tls and s.smtp_port == 465:
                ctx = ssl.create_default_context()
                self._smtp = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=ctx
                )
            else:
                self._smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
                if s.smtp_tls:
                    self._smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                self._smtp.login(s.smtp_user, s.smtp_password)
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            where = f"{s.smtp_host}:{s.smtp_port}"
            raise MailError(f"SMTP server {where} unavailable: {exc}") from exc
        return self

    def send(self, message: EmailMessage) -> None:
        """Send one message; a refused recipient or a dropped connection raises MailError."""
        assert self._smtp is not None
        try:
            self._smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"SMTP refused {message['To']}: {exc}") from exc

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()
