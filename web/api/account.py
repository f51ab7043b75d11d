"""The caller's own profile."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from engine.commands.administration import profile

from .admin_schemas import ProfileSchema
from .calls import read

PATH = ""
blp = Blueprint("account", __name__, description="Who is calling")


@blp.get("/me")
@blp.response(200, ProfileSchema)
def me() -> Any:
    """The caller's name, roles and organisations."""
    return read(profile)
