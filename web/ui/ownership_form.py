"""What was typed into a form of the case page's "who leads the case" panel, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OwnershipForm:
    """The form that failed (`which`), its values and its errors by field ('' for the form)."""

    which: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, which: str, name: str) -> str | None:
        return self.errors.get(name) if self.which == which else None

    def value(self, which: str, name: str) -> str:
        return self.values.get(name, "") if self.which == which else ""
