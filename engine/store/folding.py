"""Text searched as people type it: neither a letter's case nor a Latin letter's accent
matters ("nicolo" finds "NICCOLÒ", "elodie" finds "Élodie"), the same on every database.

PostgreSQL's lower() folds the case of any letter, but drops accents only through the unaccent
extension, which a default install lacks; SQLite's lower() and LIKE fold ASCII only. So both
fold through one table, ACCENTED to PLAIN: PostgreSQL with lower() and translate(), SQLite with
`fold` itself, registered on each connection (engine/store/db.py)."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.sql.elements import ColumnElement

SQLITE_FUNCTION = "percorsi_fold"


def _accents() -> tuple[str, str]:
    """Lower-case Latin letters with a diacritic (Latin-1 to Latin Extended-B), and their
    letters without it."""
    accented, plain = [], []
    for char in map(chr, range(0xC0, 0x250)):
        base = unicodedata.normalize("NFKD", char)[0]
        if char == char.lower() and base != char and base.isascii() and base.isalpha():
            accented.append(char)
            plain.append(base)
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _accents()
_PLAIN = str.maketrans(ACCENTED, PLAIN)


def fold(text: str | None) -> str | None:
    """`text` in lower case, its Latin letters without accents."""
    return None if text is None else text.lower().translate(_PLAIN)


def folded(column: Any, dialect: str) -> ColumnElement[str]:
    """`column` folded as `fold` folds text, in the database's own SQL."""
    if dialect == "sqlite":
        return getattr(func, SQLITE_FUNCTION)(column)  # type: ignore[no-any-return]
    return func.translate(func.lower(column), ACCENTED, PLAIN)


def contains_folded(
    search: str, columns: tuple[Any, ...], dialect: str
) -> ColumnElement[bool] | None:
    """Whether one of `columns` contains `search` as people type it, whatever its case and
    accents (a NULL column contains nothing); None when nothing is typed."""
    words = fold(search.strip())
    if not words:
        return None
    return or_(
        *(folded(func.coalesce(c, ""), dialect).contains(words, autoescape=True) for c in columns)
    )
