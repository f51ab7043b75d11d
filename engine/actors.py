"""Who is acting: a user with roles in organisations, or the built-in system administrator."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    """The person (or system) on whose behalf a use case runs."""

    user_id: int | None
    username: str
    memberships: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    is_admin: bool = False

    @property
    def roles(self) -> set[str]:
        return {role for role, _org in self.memberships}

    @property
    def organizations(self) -> set[str]:
        return {org for _role, org in self.memberships}

    def has_role(self, role: str, organization: str | None = None) -> bool:
        """True if the actor holds `role`, in `organization` when one is given."""
        if organization is None:
            return role in self.roles
        return (role, organization) in self.memberships

    def holds_any(self, roles: list[str] | tuple[str, ...], organization: str | None) -> bool:
        return any(self.has_role(r, organization) for r in roles)


SYSTEM = Actor(user_id=None, username="system", is_admin=True)
