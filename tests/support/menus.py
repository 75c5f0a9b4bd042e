"""Cheap hypothesis strategies for the pieces of a manifest: each piece is one or two draws from
lists of the values it can take (menus), rather than nested `one_of`/`builds`/`lists`/`flatmap`
strategies. Hypothesis pays for every strategy it enters (a span, a choice, and bookkeeping
that mutation and shrinking walk again): drawing a cluster from nested strategies cost as much
as testing it. Each strategy here draws the values the nested one drew, about as often (the
docstrings say how), since what is drawn decides what a test exercises and what it costs; menus
list the simplest value first, and choices shrink to 0, so failures shrink towards it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tests.support.builders import OMIT, Doc, peer, selector


def weighted(*menus: Sequence[Any], weights: Sequence[int] = ()) -> list[Any]:
    """The items of `menus` in one list, each as many times as makes drawing one item of the
    list uniformly the same as drawing a menu (each as likely, or as `weights` says) and then
    one item of it (each as likely)."""
    groups = [list(menu) for menu in menus]
    shares = list(weights or [1] * len(groups))
    common = math.lcm(*(len(g) for g in groups))
    copies = [w * common // len(g) for g, w in zip(groups, shares, strict=True)]
    return [item for g, n in zip(groups, copies, strict=True) for item in g for _ in range(n)]


def branches_st(*menus: Sequence[Any], weights: Sequence[int] = ()) -> Any:
    """One item of one of `menus` (see `weighted`): what ``one_of`` of ``sampled_from``s draws,
    in one draw."""
    from hypothesis import strategies as st

    return st.sampled_from(weighted(*menus, weights=weights))


def label_sets(values: Mapping[str, Sequence[str]]) -> list[tuple[tuple[str, str], ...]]:
    """Every label set on the keys of `values` (as pairs), weighted so that each key is present
    in half of them (independently of the others) with each of its values as often: what
    ``fixed_dictionaries({}, optional={k: sampled_from(v)})`` draws. Fewest labels first."""
    keys = sorted(values)
    by_key_set = []
    for mask in sorted(range(2 ** len(keys)), key=int.bit_count):
        present = [k for i, k in enumerate(keys) if mask >> i & 1]
        combos = itertools.product(*(values[k] for k in present))
        by_key_set.append([tuple(zip(present, combo, strict=True)) for combo in combos])
    return weighted(*by_key_set)


def labels_st(values: Mapping[str, Sequence[str]]) -> Any:
    """A label dict of `label_sets`, in one draw (a fresh dict: the menu is never handed out)."""
    from hypothesis import strategies as st

    return st.sampled_from(label_sets(values)).map(dict)


def expression_st(keys: Sequence[str], values: Sequence[str]) -> Any:
    """A matchExpressions item ``(key, operator, values)`` on `keys`: half of the time Exists or
    DoesNotExist, else In or NotIn with one or two distinct `values` (each half of those).
    What ``one_of(tuples(key, In|NotIn, lists(value, 1..2, unique)), tuples(key, Exists|...))``
    draws."""
    existence = [(k, op, ()) for k in keys for op in ("Exists", "DoesNotExist")]
    listed = [(k, op) for k in keys for op in ("In", "NotIn")]
    one = [(k, op, (v,)) for k, op in listed for v in values]
    two = [(k, op, pair) for k, op in listed for pair in itertools.permutations(values, 2)]
    return branches_st(existence, one, two, weights=(2, 1, 1))  # lists' 1..2: 1.5 on average


def selector_st(values: Mapping[str, Sequence[str]], expression_values: Sequence[str]) -> Any:
    """A LabelSelector dict, each shape a quarter of the time: empty, one matchLabels pair (a
    key, then one of its values), one expression, or labels (`labels_st`) plus up to two
    expressions (`expression_st`: every operator), on the keys of `values` and a key no label
    carries."""
    from hypothesis import strategies as st

    keys = sorted(values)
    shape = st.integers(0, 3)
    pair = branches_st(*[[(k, v) for v in values[k]] for k in keys])
    expression = expression_st([*keys, "missing"], expression_values)
    labels = labels_st(values)
    up_to_two = st.integers(0, 2)

    @st.composite
    def build(draw: Any) -> Doc:
        chosen = draw(shape)
        if chosen == 0:
            return {}
        if chosen == 1:
            return selector(dict([draw(pair)]))
        if chosen == 2:
            return selector(None, [draw(expression)])
        return selector(draw(labels), [draw(expression) for _ in range(draw(up_to_two))])

    return build()


def sequences_menu(
    items: Sequence[Any], max_size: int, key: Callable[[Any], Any] = lambda x: x
) -> list[list[tuple[Any, ...]]]:
    """For each length 0..max_size, every ordered sequence of `items` of that length whose
    `key`s are distinct."""
    return [
        [s for s in itertools.permutations(items, n) if len({key(x) for x in s}) == n]
        for n in range(max_size + 1)
    ]


def sequence_st(
    items: Sequence[Any], max_size: int, key: Callable[[Any], Any] = lambda x: x
) -> Any:
    """A list of 0..max_size `items` with distinct `key`s, each length as likely (the average
    length of ``lists(sampled_from(items), max_size=..., unique_by=key)``), in two draws."""
    return branches_st(*sequences_menu(items, max_size, key)).map(list)


def omitted_or_list_st(element: Any, *, max_size: int, min_size: int = 0) -> Any:
    """OMIT half of the time (the field left out), else a list of min_size..max_size elements,
    each length as likely (the average length of ``lists``): what ``one_of(just(OMIT),
    lists(element, ...))`` draws, in one draw and the elements'."""
    from hypothesis import strategies as st

    lengths = max_size - min_size + 1
    choice = st.integers(0, 2 * lengths - 1)  # below `lengths`: OMIT, so it shrinks to OMIT

    @st.composite
    def build(draw: Any) -> Any:
        chosen = draw(choice) - lengths
        if chosen < 0:
            return OMIT
        return [draw(element) for _ in range(min_size + chosen)]

    return build()


def peer_st(pods: Any, namespaces: Any, blocks: Sequence[tuple[str, Sequence[str]]]) -> Any:
    """A NetworkPolicyPeer, each shape a quarter of the time: a podSelector (from `pods`), a
    namespaceSelector (from `namespaces`), both (AND), or an ipBlock (cidr, except) of `blocks`."""
    from hypothesis import strategies as st

    shape = st.integers(0, 3)
    block = st.sampled_from(list(blocks))

    @st.composite
    def build(draw: Any) -> Doc:
        chosen = draw(shape)
        if chosen == 0:
            return peer(pods=draw(pods))
        if chosen == 1:
            return peer(namespaces=draw(namespaces))
        if chosen == 2:
            return peer(pods=draw(pods), namespaces=draw(namespaces))
        cidr, excepted = draw(block)
        return peer(cidr=cidr, except_=excepted)

    return build()
