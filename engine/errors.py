"""The engine's error tree. Web maps it to HTTP in one place; nothing here knows HTTP."""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Root of every error the engine raises on purpose."""

    title = "Engine error"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class NotFound(EngineError):
    title = "Not found"


class CaseNotFound(NotFound):
    title = "Case not found"


class TaskNotFound(NotFound):
    title = "Task not found"


class ModelNotFound(NotFound):
    title = "Process model not found"


class UserNotFound(NotFound):
    title = "User not found"


class IncidentNotFound(NotFound):
    title = "Incident not found"


class Unauthenticated(EngineError):
    title = "Authentication required"


class TooManyAttempts(EngineError):
    """Authentication was tried too often for an account or from an address; try again later."""

    title = "Too many attempts"

    @property
    def retry_after(self) -> int:
        return int(self.context.get("retry_after", 60))


class Forbidden(EngineError):
    title = "Forbidden"


class Conflict(EngineError):
    title = "Conflict"


class TaskNotReady(Conflict):
    title = "Task not ready"


class TaskAlreadyCompleted(Conflict):
    title = "Task already completed"


class TaskClaimedByOther(Conflict):
    title = "Task claimed by someone else"


class StaleCase(Conflict):
    title = "Case changed meanwhile"


class CaseClosed(Conflict):
    title = "Case is closed"


class SchedulerBusy(Conflict):
    """Another process holds the scheduler lease (SQLite allows one scheduler)."""

    title = "Scheduler already running"


class InvalidInput(EngineError):
    """Input that names its problems; `problems` lists them one by one."""

    title = "Invalid input"

    def __init__(self, detail: str, problems: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.problems = problems or []


class FormDataInvalid(InvalidInput):
    title = "Form data invalid"


class ModelInvalid(InvalidInput):
    title = "Process model invalid"


class UploadRejected(InvalidInput):
    title = "Upload rejected"


class UploadTooLarge(UploadRejected):
    title = "Upload too large"


class ConfigurationError(EngineError):
    title = "Configuration error"


class WorkflowFailed(EngineError):
    """A script or service task failed; the case is kept and an incident is open."""

    title = "Workflow failed"
