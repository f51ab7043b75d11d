"""`percorsi user ...` and `percorsi token ...`: accounts and API tokens from the server."""

from __future__ import annotations

import sys

import click

from engine.commands import administration as admin
from web.cli.common import Context, emit, fail, pass_ctx, reported, run_as


@click.group()
def user() -> None:
    """Users and their roles in organisations."""


@user.command("create")
@click.argument("username")
@click.option("--org", "orgs", multiple=True, help="Organisation code (pair with --role).")
@click.option("--role", "roles", multiple=True, help="Role in the --org at the same position.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--email", default="")
@click.option("--full-name", default="")
@click.option("--admin", "is_admin", is_flag=True, help="Make the user an administrator.")
@click.option("--as", "username_as", default=None, help="Act as this user.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def user_create(
    ctx: Context,
    username: str,
    orgs: tuple[str, ...],
    roles: tuple[str, ...],
    password_stdin: bool,
    email: str,
    full_name: str,
    is_admin: bool,
    username_as: str | None,
    as_json: bool,
) -> None:
    """Create a user: `percorsi user create giulia --org comune_cremona --role case_manager`."""
    if len(orgs) != len(roles):
        fail("give one --role for each --org, in the same order")
    password = _read_password() if password_stdin else None
    new = admin.NewUser(
        username=username,
        memberships=tuple(zip(orgs, roles, strict=True)),
        password=password,
        full_name=full_name,
        email=email,
        is_admin=is_admin,
    )
    with reported():
        row = run_as(ctx, username_as, lambda uow, a: admin.register_user(uow, a, new))
    emit(row, as_json, lambda: f"user {row['username']} created")


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        fail("the password read from standard input must have at least 8 characters")
    return password


@click.group()
def token() -> None:
    """API tokens: random, stored hashed, revocable, each tied to a user."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
@click.option(
    "--expires", default=None, help="How long it works, as an ISO duration (default P1Y)."
)
@click.option(
    "--scope",
    type=click.Choice(["read", "read-write"]),
    default="read-write",
    show_default=True,
    help="read: GET requests only.",
)
@click.option("--as", "username_as", default=None, help="Act as this user.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def token_create(
    ctx: Context,
    username: str,
    name: str,
    expires: str | None,
    scope: str,
    username_as: str | None,
    as_json: bool,
) -> None:
    """Create a token for USER and print it (it is shown this once only)."""
    with reported():
        row = run_as(
            ctx,
            username_as,
            lambda uow, a: admin.issue_token(
                uow, a, username, name, expires_in=expires, scope=scope
            ),
        )
    emit(row, as_json, lambda: str(row["token"]))


@token.command("revoke")
@click.argument("token_id", type=int)
@click.option("--as", "username_as", default=None, help="Act as this user.")
@pass_ctx
def token_revoke(ctx: Context, token_id: int, username_as: str | None) -> None:
    """Revoke a token by its id: it stops working at once."""
    with reported():
        row = run_as(ctx, username_as, lambda uow, a: admin.withdraw_token(uow, a, token_id))
    click.echo(f"token {row['id']} of {row['user']} revoked")


@token.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens.")
@click.option("--as", "username_as", default=None, help="Act as this user.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def token_list(ctx: Context, username: str | None, username_as: str | None, as_json: bool) -> None:
    """List tokens (never the secrets: only their hashes are stored)."""
    with reported():
        rows = run_as(ctx, username_as, lambda uow, a: admin.list_tokens(uow, a, username))
    emit(rows, as_json, lambda: _token_table(rows))


def _token_table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return "no tokens"
    lines = [f"{'ID':>5}  {'USER':<20} {'NAME':<20} {'LAST USED':<20} STATE"]
    for r in rows:
        used = str(r["last_used_at"] or "-")[:19]
        state = "revoked" if r["revoked_at"] else "active"
        lines.append(f"{r['id']:>5}  {r['user']!s:<20} {r['name']!s:<20} {used:<20} {state}")
    return "\n".join(lines)


COMMANDS = (user, token)
