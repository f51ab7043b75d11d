"""Small-count suppression for the Cabina di Regia, primary and secondary."""

from __future__ import annotations

from engine.reporting.suppression import hidden_keys, middle, protected, rate, shown


def test_counts_below_five_are_hidden() -> None:
    assert hidden_keys({"a": 4, "b": 0, "c": 9}) == {"a", "b"}
    assert protected({"a": 4, "b": 1, "c": 9}, hide=True) == {"a": "<5", "b": "<5", "c": 9}
    assert protected({"a": 4, "b": 1}, hide=False) == {"a": 4, "b": 1}
    assert (shown(4, True), shown(5, True), shown(4, False)) == ("<5", 5, 4)


def test_a_lone_hidden_count_takes_the_next_smallest_with_it() -> None:
    # with the total 20 and 7 + 9 shown, the hidden 4 could be worked out
    assert hidden_keys({"cremona": 9, "crema": 4, "casalmaggiore": 7}) == {"crema", "casalmaggiore"}
    assert hidden_keys({"only": 3}) == {"only"}
    assert hidden_keys({"a": 5, "b": 6}) == set()


def test_rates_and_medians_over_few_cases_are_hidden() -> None:
    assert (rate(2, 4, True), rate(2, 4, False), rate(0, 0, True)) == ("<5", 50.0, None)
    assert (middle([1, 2, 3, 4], True), middle([1, 2, 3, 4, 10], True), middle([], True)) == (
        "<5",
        3,
        None,
    )
