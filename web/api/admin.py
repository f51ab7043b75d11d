"""Administration: organisations, users, memberships and API tokens (administrators only)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine.commands import administration as admin

from .admin_schemas import (
    MembershipInSchema,
    NewTokenSchema,
    NewUserSchema,
    OrganizationInSchema,
    OrganizationListSchema,
    OrganizationSchema,
    TokenInSchema,
    TokenListSchema,
    TokenQuerySchema,
    TokenSchema,
    UserChangeSchema,
    UserListSchema,
    UserSchema,
)
from .calls import call, read

PATH = "/admin"
blp = Blueprint("admin", __name__, description="Organisations, users, memberships, API tokens")


@blp.get("/organizations")
@blp.response(200, OrganizationListSchema)
def organizations() -> Any:
    """The organisations of the network."""
    return {"items": read(admin.list_organizations)}


@blp.put("/organizations/<code>")
@blp.arguments(OrganizationInSchema())
@blp.response(200, OrganizationSchema)
def save_organization(body: dict[str, Any], code: str) -> Any:
    """Create or rename an organisation by its code."""
    return call(lambda uow, a: admin.save_organization(uow, a, code, body["name"], body["kind"]))


@blp.get("/users")
@blp.response(200, UserListSchema)
def users() -> Any:
    """Every user with their memberships."""
    return {"items": read(admin.list_users)}


@blp.post("/users")
@blp.arguments(NewUserSchema())
@blp.response(201, UserSchema)
def create_user(body: dict[str, Any]) -> Any:
    """Create a user with roles in organisations."""
    memberships = tuple((m["organization"], m["role"]) for m in body.pop("memberships"))
    new = admin.NewUser(memberships=memberships, **body)
    return call(lambda uow, a: admin.register_user(uow, a, new))


@blp.get("/users/<username>")
@blp.response(200, UserSchema)
def user(username: str) -> Any:
    """One user with their memberships."""
    return read(lambda uow, a: admin.user_detail(uow, a, username))


@blp.patch("/users/<username>")
@blp.arguments(UserChangeSchema())
@blp.response(200, UserSchema)
def update_user(body: dict[str, Any], username: str) -> Any:
    """Change a user's name, e-mail, password, administrator or active flag."""
    return call(lambda uow, a: admin.update_user(uow, a, username, body))


@blp.post("/users/<username>/memberships")
@blp.arguments(MembershipInSchema())
@blp.response(201, UserSchema)
def grant(body: dict[str, Any], username: str) -> Any:
    """Give a user a role in an organisation."""
    return call(
        lambda uow, a: admin.grant_membership(uow, a, username, body["organization"], body["role"])
    )


@blp.delete("/users/<username>/memberships/<organization>/<role>")
@blp.response(204)
def revoke(username: str, organization: str, role: str) -> Any:
    """Take a role in an organisation away from a user."""
    call(lambda uow, a: admin.revoke_membership(uow, a, username, organization, role))


@blp.get("/tokens")
@blp.arguments(TokenQuerySchema(), location="query")
@blp.response(200, TokenListSchema)
def tokens(args: dict[str, Any]) -> Any:
    """API tokens, optionally of one user (never the secret itself)."""
    return {"items": read(lambda uow, a: admin.list_tokens(uow, a, args.get("user")))}


@blp.post("/tokens")
@blp.arguments(TokenInSchema())
@blp.response(201, NewTokenSchema)
def issue_token(body: dict[str, Any]) -> Any:
    """A new token for a user: the response is the only time it is shown."""
    return call(
        lambda uow, a: admin.issue_token(
            uow, a, body["user"], body["name"], expires_in=body["expires_in"], scope=body["scope"]
        )
    )


@blp.delete("/tokens/<int:token_id>")
@blp.response(200, TokenSchema)
def revoke_token(token_id: int) -> Any:
    """Revoke a token: it stops working at once."""
    return call(lambda uow, a: admin.withdraw_token(uow, a, token_id))
