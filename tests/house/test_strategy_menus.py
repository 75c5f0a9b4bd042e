"""The menus the property tests draw from (tests/support/menus.py) hold what their docstrings
say, as often as they say: the nested strategies they replaced drew it so, and what is drawn
decides what the property tests exercise."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from tests.support.menus import label_sets, sequences_menu, weighted

VALUES = {"app": ["web", "db", "api"], "tier": ["front", "back"]}


def test_weighted_draws_each_menu_as_its_weight_and_each_item_of_it_alike() -> None:
    items = weighted(["a", "b"], ["c"], ["d", "e", "f"], weights=(2, 1, 1))
    counts, total = Counter(items), len(items)
    share = {k: Fraction(n, total) for k, n in counts.items()}
    assert share == {
        "a": Fraction(1, 4),
        "b": Fraction(1, 4),
        "c": Fraction(1, 4),
        "d": Fraction(1, 12),
        "e": Fraction(1, 12),
        "f": Fraction(1, 12),
    }


def test_each_label_key_is_present_half_of_the_time_with_each_value_alike() -> None:
    sets = [dict(s) for s in label_sets(VALUES)]
    assert sets[0] == {}
    every = [
        {k: v for k, v in (("app", a), ("tier", t)) if v is not None}
        for a in [None, *VALUES["app"]]
        for t in [None, *VALUES["tier"]]
    ]
    assert {tuple(sorted(s.items())) for s in sets} == {tuple(sorted(s.items())) for s in every}
    for key, values in VALUES.items():
        with_key = [s for s in sets if key in s]
        assert Fraction(len(with_key), len(sets)) == Fraction(1, 2)
        assert set(Counter(s[key] for s in with_key).values()) == {len(with_key) // len(values)}
    both = [s for s in sets if len(s) == 2]
    assert Fraction(len(both), len(sets)) == Fraction(1, 4)


def test_sequences_are_every_ordering_with_distinct_keys_by_length() -> None:
    items = [("http", 80), ("http", 8080), ("dns", 53)]
    by_length = sequences_menu(items, 2, key=lambda p: p[0])
    assert by_length[0] == [()]
    assert by_length[1] == [(i,) for i in items]
    assert sorted(by_length[2]) == sorted([(a, b) for a in items for b in items if a[0] != b[0]])
