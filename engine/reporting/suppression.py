"""Statistical disclosure control for readers of aggregates only (the Cabina di Regia).

Every count below 5 is hidden. When a breakdown would hide exactly one of its counts, the next
smallest is hidden too, so that the total does not give the hidden one away. Rates and medians
computed over fewer than 5 cases are hidden as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import median

THRESHOLD = 5
SUPPRESSED = "<5"
Cell = int | float | str | None  # None: no data; "<5": hidden from aggregate-only readers


def hidden_keys(counts: Mapping[str, int]) -> set[str]:
    """The keys of a breakdown whose counts must be hidden (primary and secondary)."""
    hidden = {k for k, n in counts.items() if n < THRESHOLD}
    if len(hidden) == 1 and len(counts) > 1:
        _n, smallest = min((n, k) for k, n in counts.items() if k not in hidden)
        hidden.add(smallest)
    return hidden


def protected(counts: Mapping[str, int], hide: bool) -> dict[str, Cell]:
    """A breakdown's counts as a reader may see them."""
    hidden = hidden_keys(counts) if hide else set()
    return {k: SUPPRESSED if k in hidden else n for k, n in counts.items()}


def shown(count: int, hide: bool) -> Cell:
    """A single count as a reader may see it."""
    return SUPPRESSED if hide and count < THRESHOLD else count


def rate(part: int, whole: int, hide: bool) -> Cell:
    """A percentage, hidden when its base is too small to publish."""
    if whole == 0:
        return None
    return SUPPRESSED if hide and whole < THRESHOLD else round(100.0 * part / whole, 1)


def middle(values: list[float], hide: bool) -> Cell:
    """A median in days, hidden when it describes too few cases."""
    if not values:
        return None
    return SUPPRESSED if hide and len(values) < THRESHOLD else round(median(values), 1)
