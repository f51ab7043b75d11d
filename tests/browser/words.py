"""What a page must never show a person: ids, codes, keys, usernames, raw dates, Python reprs.

`raw_words(page)` lists what gives the engine away in the page's visible text and in the labels
that screen readers speak (aria-label, title); `assert_in_words(page)` fails on any. Every
browser test that walks a case asserts it at each step (the journey tests reuse it).
"""

from __future__ import annotations

import re
from typing import Any

from workflows.demo_people import DEMO_USERS
from workflows.network import ORGANIZATIONS

# snake_case tokens: element, process, field and option ids (presa_atto, gol_4, case_manager)
SNAKE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@])")
# a date or a moment as the engine stores it: 2027-03-31, 2027-03-31T09:00
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2})?\b")
# what Python prints for a dict, a list, None or a datetime
REPR = re.compile(r"\{'|\['|\bNone\b|\bTrue\b|\bFalse\b|datetime\.|datetime\(|<[a-z_.]+ object")
# codes without an underscore, written as codes (the names are "CGIL", "Federsolidarietà"...)
SINGLE_CODES = [c for c, _n, _k in ORGANIZATIONS if "_" not in c] + ["disabilita"]
CODE = re.compile(r"(?<![\w.@/-])(?:" + "|".join(SINGLE_CODES) + r")(?![\w@.])")
USERNAME = re.compile(
    r"(?<![\w.@])(?:" + "|".join(re.escape(u) for u, _n, _m in DEMO_USERS) + r")(?![\w@])"
)

SPOKEN = """() => [...document.querySelectorAll('[aria-label], [title]')]
  .filter(e => !e.closest('.bjs-container, .djs-container'))
  .map(e => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || ''))
  .join('\\n')"""


def raw_words(page: Any, allow: tuple[str, ...] = ()) -> list[str]:
    """Tokens of the page a person should never read, with a little context each."""
    text = page.locator("body").inner_text() + "\n" + page.evaluate(SPOKEN)
    found: list[str] = []
    for pattern in (SNAKE, ISO_DATE, REPR, CODE, USERNAME):
        for match in pattern.finditer(text):
            token = match.group(0)
            if token in allow:
                continue
            context = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
            found.append(f"{token!r} in «{context}»")
    return found


def assert_in_words(page: Any, allow: tuple[str, ...] = ()) -> None:
    """Fail with every raw token of the page, and where it stands."""
    found = raw_words(page, allow)
    assert not found, f"{page.url} shows raw ids or codes:\n" + "\n".join(found)
