"""Marshmallow schemas of the API's models, administration and profile paths."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from engine.rules.access import NETWORK_ROLES

from .fields import StrictBoolean, text
from .schemas import ProblemItemSchema


# -- models ---------------------------------------------------------------------------------
class ModelSchema(Schema):
    process_id = fields.String(required=True)
    name = fields.String(required=True)
    latest_version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    deployed_at = fields.DateTime(required=True)


class ModelListSchema(Schema):
    items = fields.List(fields.Nested(ModelSchema), required=True)


class VersionSchema(Schema):
    process_id = fields.String(required=True)
    number = fields.Integer(required=True)
    bpmn_file = fields.String(required=True)
    dmn_files = fields.List(fields.String(), required=True)
    forms = fields.List(fields.String(), required=True)
    sha256 = fields.String(required=True)
    deployed_by = fields.String(allow_none=True)
    deployed_at = fields.DateTime(required=True)


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSchema), required=True)


class FormsSchema(Schema):
    forms = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        required=True,
        metadata={"description": "JSON Schema forms by form key"},
    )


class UploadSchema(Schema):
    files = fields.List(
        Upload(),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": ".bpmn, .dmn and form .json files"},
    )


class DeployQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "only validate"})


class DeployedSchema(Schema):
    process_id = fields.String(required=True)
    name = fields.String(required=True)
    number = fields.Integer(required=True, metadata={"description": "0 on a dry run"})
    created = fields.Boolean(required=True, metadata={"description": "false if unchanged"})


class DeployResultSchema(Schema):
    dry_run = fields.Boolean(required=True)
    valid = fields.Boolean(required=True)
    processes = fields.List(fields.Nested(DeployedSchema), required=True)
    problems = fields.List(fields.Nested(ProblemItemSchema), required=True)


# -- profile and administration -------------------------------------------------------------
class MembershipSchema(Schema):
    organization = fields.String(required=True)
    role = fields.String(required=True)


class MembershipInSchema(Schema):
    organization = text(64, required=True)
    role = fields.String(required=True, validate=validate.OneOf(NETWORK_ROLES))


class ProfileSchema(Schema):
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    email = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
    roles = fields.List(fields.String(), required=True)
    organizations = fields.List(fields.String(), required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)


class OrganizationSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)


class OrganizationListSchema(Schema):
    items = fields.List(fields.Nested(OrganizationSchema), required=True)


class OrganizationInSchema(Schema):
    name = text(200, required=True)
    kind = text(40, load_default="member")


class UserSchema(Schema):
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    email = fields.String(required=True)
    is_admin = fields.Boolean(required=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)


class UserListSchema(Schema):
    items = fields.List(fields.Nested(UserSchema), required=True)


class NewUserSchema(Schema):
    username = text(80, required=True)
    full_name = text(200, load_default="")
    email = text(200, load_default="")
    password = fields.String(validate=validate.Length(min=8, max=200), allow_none=True)
    is_admin = StrictBoolean(load_default=False)
    memberships = fields.List(fields.Nested(MembershipInSchema), load_default=list)


class UserChangeSchema(Schema):
    full_name = text(200)
    email = text(200)
    password = fields.String(validate=validate.Length(min=8, max=200), allow_none=True)
    is_admin = StrictBoolean()
    active = StrictBoolean()


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    user = fields.String(required=True)
    name = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    scope = fields.String(required=True, metadata={"description": "read, or read-write"})


class NewTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "shown once; store it now"})


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema), required=True)


class TokenQuerySchema(Schema):
    user = text(80)


class TokenInSchema(Schema):
    user = text(80, required=True)
    name = text(80, load_default="")
    expires_in = text(
        40, load_default=None, metadata={"description": "ISO 8601 duration; default P1Y"}
    )
    scope = fields.String(
        load_default="read-write", validate=validate.OneOf(("read", "read-write"))
    )
