"""Label classes: one witness label set for each way a list of selectors can match.

Representatives must cover every class of label sets that the selectors tell apart, and only
classes some label set can fall in. Each selector is a conjunction of per-key constraints
(matchLabels `key=v`, In, NotIn, Exists, DoesNotExist). Per key, the values that matter are
finitely many *atoms*: absent, each value a selector mentions for the key, and one fresh value no
selector mentions (`any`): every other value behaves as that fresh one for every selector. A
label set's signature (which selectors match) therefore depends only on its atom per key.

The product of the atoms is exponential in the keys, and most of it repeats signatures. So the
keys are walked in sorted order with a set of partial states: the bitmask of selectors that may
still match (none has yet failed on a key walked so far). Extending a state by one atom clears the
selectors whose constraint on the key rejects the atom; atoms that clear the same selectors are
one choice (the first of absent, mentioned values in order, fresh is kept: `tier: any` is never
chosen where a mentioned value does the same), and partial label sets that reach the same state
are merged, keeping the cheapest. After the last key each state is
exactly one signature, reached by its cheapest label set: complete (every reachable signature has
a state) and minimal (one witness per signature, all satisfiable by construction).

Cheapest means fewest labels, then the first by text (`order`, how representatives have always
been chosen, so that the classes that had a representative keep its name). Merging keeps that
order exact: two partial label sets that reach one state have the same keys walked, and share
every continuation, which only adds later keys.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from reachability.model import Labels
from reachability.selectors import LabelSelector, Requirement

FRESH_VALUE = "any"

_State = tuple[int, tuple[tuple[str, str], ...]]  # (number of labels, labels in key order)


def label_classes(
    selectors: Sequence[LabelSelector], fixed: Mapping[str, str] | None = None
) -> list[Labels]:
    """The cheapest label set of every signature `selectors` can have, simplest first.

    `fixed` labels are set on every label set (e.g. a namespace's name): their key has one atom.
    """
    fixed = dict(fixed or {})
    everyone = (1 << len(selectors)) - 1
    constrained: dict[str, list[tuple[int, LabelSelector]]] = {}
    mentioned: dict[str, set[str]] = {}
    for index, selector in enumerate(selectors):
        for key, part in _per_key(selector).items():
            constrained.setdefault(key, []).append((index, part))
        for key, value in selector.match_labels:
            mentioned.setdefault(key, set()).add(value)
        for requirement in selector.match_expressions:
            mentioned.setdefault(requirement.key, set()).update(requirement.values)

    states: dict[int, _State] = {everyone: (0, ())}
    for key in sorted(constrained):
        if key in fixed:
            atoms: list[str | None] = [fixed[key]]
        else:
            known = sorted(mentioned.get(key, ()))
            atoms = [None, *known, fresh_value(known)]
        choices = _choices(key, atoms, constrained[key], everyone)
        extended: dict[int, _State] = {}
        for mask, (count, labels) in states.items():
            for survivors, value in choices:
                state: _State = (count, labels)
                if value is not None and key not in fixed:
                    state = (count + 1, (*labels, (key, value)))
                target = mask & survivors
                best = extended.get(target)
                if best is None or state < best:
                    extended[target] = state
        states = extended
    found = [Labels({**dict(labels), **fixed}) for _, labels in states.values()]
    return sorted(found, key=order)


def order(labels: Labels) -> tuple[int, tuple[tuple[str, str], ...]]:
    """Simplest first: fewer labels, then by text (the order representatives are listed in)."""
    return len(labels), tuple(labels.items())


def fresh_value(taken: Collection[str]) -> str:
    """`any`, or `any-2`, ... when a selector mentions it: a value no selector mentions."""
    value, suffix = FRESH_VALUE, 2
    while value in taken:
        value, suffix = f"{FRESH_VALUE}-{suffix}", suffix + 1
    return value


def _per_key(selector: LabelSelector) -> dict[str, LabelSelector]:
    """The selector split into one selector per key it constrains (their AND is the selector)."""
    labels: dict[str, list[tuple[str, str]]] = {}
    expressions: dict[str, list[Requirement]] = {}
    for key, value in selector.match_labels:
        labels.setdefault(key, []).append((key, value))
    for requirement in selector.match_expressions:
        expressions.setdefault(requirement.key, []).append(requirement)
    return {
        key: LabelSelector(tuple(labels.get(key, ())), tuple(expressions.get(key, ())))
        for key in {*labels, *expressions}
    }


def _choices(
    key: str,
    atoms: Sequence[str | None],
    parts: Sequence[tuple[int, LabelSelector]],
    everyone: int,
) -> list[tuple[int, str | None]]:
    """(selectors that survive, atom) per distinct outcome, the first atom of each kept."""
    untouched = everyone
    for index, _ in parts:
        untouched &= ~(1 << index)
    seen: dict[int, tuple[int, str | None]] = {}
    for atom in atoms:
        labels = {} if atom is None else {key: atom}
        survivors = untouched
        for index, part in parts:
            if part.matches(labels):
                survivors |= 1 << index
        seen.setdefault(survivors, (survivors, atom))
    return list(seen.values())
