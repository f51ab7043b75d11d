"""Start data: checked against the start form of the version a case starts on, inside
start_case itself, so the API, the UI, the command line and the demo pass the same check.

The start data's `subject` (name, surname, tax code) goes to `case_subject`; it never enters
the workflow data. The tax code, when given, must be a well-formed Italian codice fiscale
(16 characters with a valid check character, or the 11-digit provisional one). Dates are
checked against the engine's clock (`x-not-after`, `x-age`: engine/spiff/forms.py).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from engine.errors import FormDataInvalid
from engine.rules.startforms import start_form_of
from engine.spiff.forms import validate_data
from engine.store.uow import UnitOfWork

TAX_CODE = re.compile(
    r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"
)
PROVISIONAL = re.compile(r"[0-9]{11}")
TAX_CODE_MESSAGES = {
    "length": "a tax code has 16 characters (or 11 digits if provisional)",
    "format": "not shaped as a tax code (6 letters, 2 digits, 1 letter, 2 digits, 1 letter, "
    "3 digits, 1 check letter)",
    "check": "the check character (the last one) does not match the other 15",
}
SUBJECT: dict[str, Any] = {  # the identity fields, for a start form that does not ask for them
    "type": "object",
    "title": "Persona segnalata",
    "x-i18n": {"en": {"title": "Referred person"}},
    "required": ["given_name", "family_name"],
    "additionalProperties": False,
    "properties": {
        "given_name": {"type": "string", "maxLength": 100, "title": "Nome"},
        "family_name": {"type": "string", "maxLength": 100, "title": "Cognome"},
        "tax_code": {"type": "string", "maxLength": 16, "title": "Codice fiscale"},
    },
}
_ODD = (
    1,
    0,
    5,
    7,
    9,
    13,
    15,
    17,
    19,
    21,
    2,
    4,
    18,
    20,
    11,
    3,
    6,
    8,
    12,
    14,
    16,
    10,
    22,
    25,
    24,
    23,
)


def _value(char: str, odd: bool) -> int:
    index = int(char) if char.isdigit() else ord(char) - ord("A")
    return _ODD[index] if odd else index


def valid_tax_code(code: str) -> bool:
    """True for a codice fiscale: 16 characters with the right check letter, or 11 digits."""
    return tax_code_problem(code) is None


def tax_code_problem(code: str) -> str | None:
    """What is wrong with a codice fiscale: "length", "format" or "check" (the check letter
    does not match the other 15 characters); None when it is valid."""
    if PROVISIONAL.fullmatch(code):
        return None
    if len(code) != 16:
        return "length"
    if not TAX_CODE.fullmatch(code):
        return "format"
    total = sum(_value(c, i % 2 == 0) for i, c in enumerate(code[:15]))
    return None if chr(ord("A") + total % 26) == code[15] else "check"


def normalized(data: dict[str, Any]) -> dict[str, Any]:
    """The start data with a subject (its required names are then named when missing) and the
    tax code in capitals without spaces."""
    subject = data.get("subject")
    if subject is None:
        data = {**data, "subject": {}}
    if isinstance(subject, dict) and isinstance(subject.get("tax_code"), str):
        code = re.sub(r"\s+", "", subject["tax_code"]).upper()
        data = {**data, "subject": {**subject, "tax_code": code}}
    return data


def referral_schema(form: dict[str, Any] | None) -> dict[str, Any]:
    """The start form with the identity fields first (added when the form has none)."""
    schema = dict(form or {"type": "object", "properties": {}})
    properties = dict(schema.get("properties") or {})
    subject = properties.pop("subject", SUBJECT)
    schema["properties"] = {"subject": subject, **properties}
    return schema


def referral_problems(
    schema: dict[str, Any], data: dict[str, Any], today: date | None = None
) -> list[dict[str, Any]]:
    """Every field of the referral that does not fit its start form, plus a malformed tax code."""
    problems: list[dict[str, Any]] = []
    try:
        validate_data(schema, data, today)
    except FormDataInvalid as exc:
        problems.extend(exc.problems)
    subject = data.get("subject")
    code = subject.get("tax_code") if isinstance(subject, dict) else None
    wrong = tax_code_problem(code) if isinstance(code, str) and code else None
    if wrong is not None:
        problems.append(
            {
                "field": "subject.tax_code",
                "code": "tax_code",
                "reason": wrong,
                "length": len(str(code)),
                "message": TAX_CODE_MESSAGES[wrong],
            }
        )
    return problems


def checked_start_data(
    uow: UnitOfWork, version_id: int, process_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Start data checked against the version's start form (FormDataInvalid naming each
    field), normalised; unchanged when the version has no start form."""
    form = start_form_of(uow, version_id, process_id)
    if form is None:
        return data
    data = normalized(data)
    refuse(referral_problems(referral_schema(form.schema), data, uow.now.date()))
    return data


def refuse(problems: list[dict[str, Any]]) -> None:
    if problems:
        raise FormDataInvalid(
            f"{len(problems)} field(s) of the referral are not valid: "
            + "; ".join(f"{p['field'] or '(form)'}: {p['message']}" for p in problems),
            problems,
        )
