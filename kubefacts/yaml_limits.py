"""The limits of the Go YAML decoder that the Pulumi CLI and Kubernetes read YAML with.

An anchor with aliases is one node shared by every place that names it, so a few hundred bytes
(nine levels of ten aliases) stand for a billion nodes; anything that walks the decoded value --
JSON encoding, a manifest parser -- then runs until it is killed. The Go decoder counts what it
decodes and refuses a document in which too much of it comes from aliases: gopkg.in/yaml.v3
v3.0.1 (what the Pulumi CLI decodes stack files with, ``sdk/go.mod``), ``decode.go``
``allowedAliasRatio`` and ``(*decoder).unmarshal`` ("document contains excessive aliasing"), at
go-yaml/yaml commit f6f7691b1fdeb513f56608cd2c32c51f8194bf51; the same rule is in yaml.v2 (>=
2.2.3), which sigs.k8s.io/yaml -- kubectl's and the API server's YAML -- is built on. An alias
inside its own anchor is refused there too ("anchor 'x' value contains itself").

``check_yaml_limits`` applies that rule to a node graph PyYAML composed, before anything walks it:
it counts each node once (memoized, iteratively), so it is fast whatever the expansion. With
``max_depth`` it also bounds how deeply values nest, for readers whose code recurses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
)
from yaml.nodes import MappingNode, Node, SequenceNode

ALIAS_RATIO_RANGE_LOW: Final = 400_000
"""Up to this many decoded nodes, 99% of them may come from aliases (yaml.v3)."""
ALIAS_RATIO_RANGE_HIGH: Final = 4_000_000
"""From this many on, 10% (in between, the share shrinks linearly)."""
_MIN_ALIASED: Final = 100
_MIN_DECODED: Final = 1000

PathPart = str | int


class LocatedYamlError(yaml.MarkedYAMLError):
    """A YAML problem with ``path``, the keys and list indexes from the document root to where
    it is, beside ``problem_mark``, its line and column."""

    def __init__(self, problem: str, node: Node | Any, path: tuple[PathPart, ...]) -> None:
        mark = node.start_mark if isinstance(node, Node) else node  # libyaml has its own Mark
        super().__init__(problem=problem, problem_mark=mark)
        self.path = path


class YamlLimitError(LocatedYamlError):
    """A document over the limits; ``problem`` says which."""


def path_at(root: Node, mark: Any) -> tuple[PathPart, ...]:
    """The keys and indexes from ``root`` down to the innermost node that spans ``mark``."""
    node, where = root, list[PathPart]()
    while True:
        step = next(
            (
                (label, child)
                for label, child in _children(node)
                if child.start_mark.index <= mark.index <= child.end_mark.index
            ),
            None,
        )
        if step is None or step[1] is node:
            return tuple(where)
        where.append(step[0])
        node = step[1]


def allowed_alias_ratio(decoded: int) -> float:
    """yaml.v3's ``allowedAliasRatio``: the share of decoded nodes aliases may account for."""
    if decoded <= ALIAS_RATIO_RANGE_LOW:
        return 0.99
    if decoded >= ALIAS_RATIO_RANGE_HIGH:
        return 0.10
    span = ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW
    return 0.99 - 0.89 * ((decoded - ALIAS_RATIO_RANGE_LOW) / span)


def _children(node: Node) -> list[tuple[PathPart, Node]]:
    if isinstance(node, MappingNode):
        found: list[tuple[PathPart, Node]] = []
        for key, value in node.value:
            label = key.value if isinstance(key.value, str) else "<key>"
            found.append((label, key))
            found.append((label, value))
        return found
    if isinstance(node, SequenceNode):
        return list(enumerate(node.value))
    return []


def check_yaml_limits(root: Node, *, max_depth: int | None = None) -> None:
    """Raise ``YamlLimitError`` for an alias cycle, excessive aliasing (yaml.v3's rule) or, with
    ``max_depth``, values nested more deeply than that (the root counts as level 1)."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, list[tuple[PathPart, Node]], int]] = [(root, _children(root), 0)]
    path: list[PathPart] = []
    on_path.add(id(root))
    while stack:
        node, children, index = stack[-1]
        if index < len(children):
            stack[-1] = (node, children, index + 1)
            label, child = children[index]
            if id(child) in size:
                continue
            if id(child) in on_path:
                raise YamlLimitError(
                    "an alias refers to a node that contains it (the Pulumi CLI and kubectl "
                    "refuse this: anchor value contains itself)",
                    child,
                    (*path, label),
                )
            path.append(label)
            on_path.add(id(child))
            stack.append((child, _children(child), 0))
            continue
        stack.pop()
        on_path.discard(id(node))
        if path and stack:
            path.pop()
        size[id(node)] = 1 + sum(size[id(child)] for _, child in children)
        height[id(node)] = 1 + max((height[id(child)] for _, child in children), default=0)
    decoded = size[id(root)]
    aliased = decoded - len(size)
    if (
        aliased > _MIN_ALIASED
        and decoded > _MIN_DECODED
        and aliased / decoded > allowed_alias_ratio(decoded)
    ):
        node, where = _descend(root, lambda child, parent: size[id(child)] * 2 > size[id(parent)])
        raise YamlLimitError(
            f"excessive aliasing: aliases expand {len(size):,} nodes to {decoded:,} "
            f"(at most {allowed_alias_ratio(decoded):.0%} of a document may come from aliases, "
            "as the Pulumi CLI and kubectl allow)",
            node,
            where,
        )
    if max_depth is not None and height[id(root)] > max_depth:
        node, where = _descend(
            root,
            lambda child, parent: height[id(child)] == height[id(parent)] - 1,
            levels=max_depth,
        )
        raise YamlLimitError(f"values nest more than {max_depth} levels deep", node, where)


def _descend(
    root: Node, follow: Callable[[Node, Node], bool], *, levels: int | None = None
) -> tuple[Node, tuple[PathPart, ...]]:
    """From the root, follow the first child ``follow(child, parent)`` accepts (keys skipped)."""
    node, where = root, list[PathPart]()
    while levels is None or len(where) < levels:
        pairs = _children(node)
        if isinstance(node, MappingNode):
            pairs = pairs[1::2]  # values only
        step = next(((label, child) for label, child in pairs if follow(child, node)), None)
        if step is None:
            break
        where.append(step[0])
        node = step[1]
    return node, tuple(where)


class _InOrderSimpleKeys:
    """PyYAML's pure-Python scanner, minus its quadratic time on deeply nested flow collections.

    The scanner keeps one "possible simple key" per open flow level (every ``[`` and ``{`` may
    start a key) in ``possible_simple_keys``, and before each token it walks all of them twice:
    ``next_possible_simple_key`` for the smallest token number, ``stale_possible_simple_keys``
    to drop those more than one line or 1,024 characters behind. At a few thousand open levels
    that is millions of steps per document (~0.3 s for ``[[[...]]]`` 3,000 deep).

    A key is only ever added at the end of that dict (``save_possible_simple_key`` removes the
    level's old key first), with the scanner's current token number, index and line, and those
    never decrease. So the dict is in order of all three: the smallest token number is the
    first key's, and the stale keys (earlier line, or index too far back) are a prefix. Both
    methods below give the same results, drop the same keys and raise the same error as
    PyYAML's (yaml/scanner.py, 6.0), stopping at the first key that is not stale."""

    possible_simple_keys: dict[int, Any]
    line: int
    index: int

    def next_possible_simple_key(self) -> int | None:
        for key in self.possible_simple_keys.values():
            return key.token_number  # type: ignore[no-any-return]
        return None

    def stale_possible_simple_keys(self) -> None:
        keys = self.possible_simple_keys
        stale: list[int] = []
        for level, key in keys.items():
            if key.line == self.line and self.index - key.index <= 1024:
                break
            if key.required:
                for done in stale:
                    del keys[done]
                raise yaml.scanner.ScannerError(
                    "while scanning a simple key",
                    key.mark,
                    "could not find expected ':'",
                    self.get_mark(),  # type: ignore[attr-defined]
                )
            stale.append(level)
        for done in stale:
            del keys[done]


_IN_ORDER: dict[type, type] = {}


def _in_order(loader_class: type) -> type:
    """``loader_class`` with ``_InOrderSimpleKeys``' methods when it scans with PyYAML's
    pure-Python scanner (libyaml's has its own)."""
    if not issubclass(loader_class, yaml.scanner.Scanner):
        return loader_class
    if loader_class not in _IN_ORDER:
        name = f"InOrder{loader_class.__name__}"
        _IN_ORDER[loader_class] = type(name, (_InOrderSimpleKeys, loader_class), {})
    return _IN_ORDER[loader_class]


def check_yaml_nesting(text: str, loader_class: type, *, max_depth: int) -> None:
    """Raise ``YamlLimitError`` when the text nests collections more than ``max_depth`` levels
    deep, naming the path to the first one that does. Event by event, before composing: PyYAML's
    composer recurses (and libyaml stops at 1,000 levels without saying where)."""
    labels: list[PathPart] = []
    frames: list[list[Any]] = []  # per open collection: [is a map, next is a key, key, index]
    for event in yaml.parse(text, Loader=_in_order(loader_class)):
        if isinstance(event, ScalarEvent | AliasEvent | CollectionStartEvent):
            label: PathPart = ""
            if frames:
                frame = frames[-1]
                if frame[0] and frame[1]:
                    frame[2] = event.value if isinstance(event, ScalarEvent) else "<key>"
                    label = frame[2]
                elif frame[0]:
                    label = frame[2]
                else:
                    label = frame[3]
                    frame[3] += 1
                if frame[0]:
                    frame[1] = not frame[1]
            if isinstance(event, CollectionStartEvent):
                frames.append([isinstance(event, MappingStartEvent), True, "", 0])
                labels.append(label)
                if len(frames) > max_depth:
                    raise YamlLimitError(
                        f"values nest more than {max_depth} levels deep",
                        event.start_mark,
                        tuple(labels[1:]),
                    )
        elif isinstance(event, CollectionEndEvent):
            frames.pop()
            labels.pop()


def load_checked(loader_class: type, text: str, *, max_depth: int | None = None) -> object:
    """``yaml.load(text, Loader=loader_class)`` (one document), with the limits checked between
    composing and constructing."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_yaml_limits(node, max_depth=max_depth)
        return loader.construct_document(node)
    finally:
        loader.dispose()
