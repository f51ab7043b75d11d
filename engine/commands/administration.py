"""Administration use cases: organisations, users, memberships and API tokens (administrators)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from engine.actors import Actor
from engine.commands.accounts import (
    READ_WRITE,
    IssuedToken,
    add_membership,
    create_token,
    create_user,
    ensure_organization,
    hash_password,
    require_admin,
    revoke_token,
)
from engine.durations import parse_duration
from engine.errors import InvalidInput, NotFound, UserNotFound
from engine.rules.access import check_role
from engine.store.tables import ApiToken, Membership, Organization, User
from engine.store.uow import UnitOfWork


@dataclass(frozen=True)
class NewUser:
    """What an administrator gives to create a user."""

    username: str
    memberships: tuple[tuple[str, str], ...] = ()  # (organisation code, role)
    password: str | None = None
    full_name: str = ""
    email: str = ""
    is_admin: bool = False


def profile(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """Who the actor is: name, roles and organisations (the built-in administrator too)."""
    user = uow.session.get(User, actor.user_id) if actor.user_id is not None else None
    return {
        "username": actor.username,
        "full_name": user.full_name if user else "",
        "email": user.email if user else "",
        "is_admin": actor.is_admin,
        "roles": sorted(actor.roles),
        "organizations": sorted(actor.organizations),
        "memberships": [{"organization": o, "role": r} for r, o in sorted(actor.memberships)],
    }


def list_organizations(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """The organisations of the network (any signed-in user may read them)."""
    rows = uow.session.scalars(select(Organization).order_by(Organization.code)).all()
    return [{"code": o.code, "name": o.name, "kind": o.kind} for o in rows]


def save_organization(
    uow: UnitOfWork, actor: Actor, code: str, name: str, kind: str = "member"
) -> dict[str, Any]:
    """Create or rename an organisation by its code."""
    require_admin(actor)
    if not (0 < len(code) <= 64 and code.replace("_", "").isalnum() and code.isascii()):
        raise InvalidInput(
            f"invalid organisation code {code!r}",
            [{"field": "code", "message": "1-64 letters, digits and _"}],
        )
    org = ensure_organization(uow, code, name, kind)
    uow.commit()
    return {"code": org.code, "name": org.name, "kind": org.kind}


def _memberships(uow: UnitOfWork, user_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    rows = uow.session.execute(
        select(Membership.user_id, Organization.code, Membership.role)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id.in_(user_ids))
        .order_by(Organization.code, Membership.role)
    ).all()
    found: dict[int, list[dict[str, str]]] = {uid: [] for uid in user_ids}
    for uid, org, role in rows:
        found[uid].append({"organization": org, "role": role})
    return found


def _user_row(user: User, memberships: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "is_admin": user.is_admin,
        "active": user.active,
        "created_at": user.created_at,
        "memberships": memberships,
    }


def list_users(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    """Every user with their memberships."""
    require_admin(actor)
    users = uow.session.scalars(select(User).order_by(User.username)).all()
    memberships = _memberships(uow, [u.id for u in users])
    return [_user_row(u, memberships[u.id]) for u in users]


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserNotFound(f"no user {username!r}")
    return user


def user_detail(uow: UnitOfWork, actor: Actor, username: str) -> dict[str, Any]:
    """One user with their memberships."""
    require_admin(actor)
    user = _user(uow, username)
    return _user_row(user, _memberships(uow, [user.id])[user.id])


def register_user(uow: UnitOfWork, actor: Actor, new: NewUser) -> dict[str, Any]:
    """Create a user with roles in organisations."""
    require_admin(actor)
    for _org, role in new.memberships:
        check_role(role)
    user = create_user(
        uow,
        new.username,
        memberships=list(new.memberships),
        password=new.password,
        full_name=new.full_name,
        email=new.email,
        is_admin=new.is_admin,
    )
    uow.commit()
    return _user_row(user, _memberships(uow, [user.id])[user.id])


def update_user(
    uow: UnitOfWork, actor: Actor, username: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change a user's name, e-mail, password, administrator flag or active flag."""
    require_admin(actor)
    user = _user(uow, username)
    unknown = set(changes) - {"full_name", "email", "password", "is_admin", "active"}
    if unknown:
        raise InvalidInput(
            f"cannot change {', '.join(sorted(unknown))}",
            [{"field": k, "message": "unknown field"} for k in sorted(unknown)],
        )
    for key, value in changes.items():
        if key == "password":
            user.password_hash = hash_password(value) if value else None
        else:
            setattr(user, key, value)
    uow.commit()
    return _user_row(user, _memberships(uow, [user.id])[user.id])


def grant_membership(
    uow: UnitOfWork, actor: Actor, username: str, organization: str, role: str
) -> dict[str, Any]:
    """Give a user a role in an organisation."""
    require_admin(actor)
    user = _user(uow, username)
    add_membership(uow, user, organization, check_role(role))
    uow.commit()
    return _user_row(user, _memberships(uow, [user.id])[user.id])


def revoke_membership(
    uow: UnitOfWork, actor: Actor, username: str, organization: str, role: str
) -> None:
    """Take a role in an organisation away from a user."""
    require_admin(actor)
    user = _user(uow, username)
    org_id = select(Organization.id).where(Organization.code == organization).scalar_subquery()
    gone = uow.session.execute(
        delete(Membership).where(
            Membership.user_id == user.id,
            Membership.organization_id == org_id,
            Membership.role == role,
        )
    )
    if not getattr(gone, "rowcount", 0):
        raise NotFound(f"{username} is not {role} in {organization}")
    uow.commit()


def list_tokens(uow: UnitOfWork, actor: Actor, username: str | None = None) -> list[dict[str, Any]]:
    """API tokens (never the tokens themselves: only their hashes are stored)."""
    require_admin(actor)
    query = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if username:
        query = query.where(User.username == username)
    rows = uow.session.execute(query.order_by(ApiToken.id)).all()
    return [_token_row(t, who) for t, who in rows]


def _token_row(t: ApiToken, username: str) -> dict[str, Any]:
    return {
        "id": t.id,
        "user": username,
        "name": t.name,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
        "expires_at": t.expires_at,
        "scope": t.scope,
    }


DEFAULT_TOKEN_LIFE = "P1Y"


def issue_token(
    uow: UnitOfWork,
    actor: Actor,
    username: str,
    name: str = "",
    *,
    expires_in: str | None = None,
    scope: str = READ_WRITE,
) -> dict[str, Any]:
    """A new token for a user, expiring after `expires_in` (an ISO duration, default a year)
    with a scope (read, or read-write); the token itself is returned here and never again."""
    require_admin(actor)
    try:
        expires_at = parse_duration(expires_in or DEFAULT_TOKEN_LIFE).after(uow.now)
    except ValueError as exc:
        raise InvalidInput(str(exc), [{"field": "expires_in", "message": str(exc)}]) from exc
    if expires_at <= uow.now:
        raise InvalidInput(
            "a token must expire in the future", [{"field": "expires_in", "message": "not future"}]
        )
    issued: IssuedToken = create_token(uow, username, name, expires_at=expires_at, scope=scope)
    uow.commit()
    row = uow.session.get_one(ApiToken, issued.id)
    return {**_token_row(row, username), "token": issued.token}


def withdraw_token(uow: UnitOfWork, actor: Actor, token_id: int) -> dict[str, Any]:
    """Revoke a token: it stops working at once."""
    require_admin(actor)
    revoke_token(uow, token_id)
    uow.commit()
    row = uow.session.get_one(ApiToken, token_id)
    return _token_row(row, uow.session.get_one(User, row.user_id).username)
