"""A fast reader for the YAML that manifests are written in, exact or silent.

Decoding is most of the analyzer's time on large inputs, and PyYAML spends it building a node graph
(libyaml events, then a Python node per scalar, then a value per node). Nearly every manifest,
whether written by hand, by `kubectl get -o yaml` or by `helm template`, uses one small part of
YAML: block mappings and sequences, one-line scalars, comments. This module reads that part line
by line and builds the values directly.

It is exact or silent: anything outside that part (anchors, aliases, tags, flow collections other
than `{}` and `[]`, block and multi-line scalars, escapes in double quotes, tabs, non-ASCII text,
directives, a duplicate key, any structure it does not recognise, including every YAML error)
makes `documents()` return None, and the caller decodes the text with libyaml instead, which also
gives the errors their messages and marks. Plain scalars are resolved and constructed by PyYAML's
own SafeLoader resolver and constructor, so `80`, `yes`, `0o17` or `2024-01-01` become what
`yaml.safe_load` makes of them. `tests/reachability/core/test_block_yaml.py` compares both on
generated and mutated texts.
"""

from __future__ import annotations

import re
from typing import Any, Final

import yaml
from yaml.nodes import ScalarNode

_STR: Final = "tag:yaml.org,2002:str"
_FALLBACK_TAGS: Final = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_KEY_MAX: Final = 1000
"""A simple key's `:` must come within 1024 characters of its start (libyaml's rule); longer
keys, rare enough, are left to libyaml to judge."""
_MAX_DEPTH: Final = 100
"""Deeper nesting is left to libyaml, whose recursion limit decides what is refused."""

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
"""Tabs, carriage returns and control characters (a line holds no newline)."""
_CACHE_LIMIT: Final = 200_000
"""Lines remembered: manifests repeat most of theirs (13,160 distinct in 406,110 at K=1000)."""

_PLAIN_START_REFUSED: Final = frozenset(",[]{}#&*!|>'\"%@`")
_MISSING: Final = object()


class _Outside(Exception):
    """The text leaves the subset: let libyaml decode it."""


class _Scalars:
    """Plain scalar text -> value, through SafeLoader's resolver and constructor (cached: the
    values are immutable and manifests repeat them)."""

    def __init__(self) -> None:
        self._loader = yaml.SafeLoader("")
        self._first = frozenset(k for k in self._loader.yaml_implicit_resolvers if k)
        self._cache: dict[str, Any] = {}

    def value(self, text: str) -> Any:
        if text[0] not in self._first:
            return text
        found = self._cache.get(text, _MISSING)
        if found is _MISSING:
            tag = self._loader.resolve(ScalarNode, text, (True, False))
            if tag == _STR:
                found = text
            elif tag in _FALLBACK_TAGS:
                raise _Outside
            else:
                try:
                    found = self._loader.yaml_constructors[tag](self._loader, ScalarNode(tag, text))
                except ValueError:
                    raise _Outside from None  # 2024-02-31: libyaml's path reports it

            self._cache[text] = found
        return found

    def key(self, text: str) -> str:
        if self.value(text).__class__ is not str:
            raise _Outside  # a key YAML reads as a number, boolean or null
        return text


_SCALARS = _Scalars()


def documents(text: str, lines: list[int] | None = None) -> list[Any] | None:
    """The documents of `text` as `yaml.safe_load_all` decodes them, or None when `text` is not
    in the subset this reader handles. With `lines`, appending the 1-based line of every
    container, key and item in the order `located.noted_lines` reads them back in, and a 0 at
    the end of each document."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if not text.isascii():
        return None
    start = 0 if lines is None else len(lines)
    try:
        return _read(text, lines)
    except _Outside:
        if lines is not None:
            del lines[start:]  # nothing noted
        return None


# What a line holds: (kind, indent, key, value, column of the key after a dash).
# `key: {}` and `key: []` are an _EMPTY_ENTRY, so that an _ENTRY's value is the value itself.
_SKIP, _MARKER, _ENTRY, _EMPTY_ENTRY, _OPEN, _ITEM, _ITEM_OPEN = range(7)
_NEW_MAP: Final = object()  # `{}`: a new dict each time (values are shared, containers not)
_NEW_SEQ: Final = object()
_Line = tuple[int, int, Any, Any, int]
_LINES: dict[str, _Line] = {}


_Frame = tuple[int, Any, bool]
"""An open mapping or sequence: (the column its keys or dashes start at, the container, whether
it is a mapping). A tuple, not an object: one is made for most lines of a manifest."""


def _read(text: str, lines: list[int] | None) -> list[Any]:
    found: list[Any] = []
    stack: list[_Frame] = []
    # A key or dash whose value is on the lines below: (frame, key or index, its column).
    pending: tuple[_Frame, Any, int] | None = None
    root: list[Any] = []  # the current document, as a one-item holder
    started = False  # a `---` opened the current document
    # The common line, `key: value` into the mapping on top at its column: that column, or -2
    # while the top is a sequence or a value is pending.
    fast, mapping = -2, None
    known = _LINES
    note = None if lines is None else lines.append
    for number, line in enumerate(text.split("\n"), 1):
        info = known.get(line)
        if info is None:
            info = _classify(line)
            if len(known) >= _CACHE_LIMIT:
                known.clear()
            known[line] = info
        kind, indent, key, value, column = info
        if kind == _ENTRY and indent == fast:
            if key in mapping:  # type: ignore[operator]
                raise _Outside  # a duplicate key: libyaml's path reports it
            mapping[key] = value  # type: ignore[index]
            if note is not None:
                note(number)
            continue
        if kind == _SKIP:
            continue
        if kind == _MARKER:
            if pending is not None:
                pending[0][1][pending[1]] = None
            if root or started:
                found.append(root[0] if root else None)
                if note is not None:
                    note(0)  # the document's end
            root, stack, pending, started = [], [], None, True
            fast, mapping = -2, None
            continue
        is_item = kind >= _ITEM
        if pending is not None:
            frame, slot, at = pending
            pending = None
            if indent > at or (indent == at and is_item and frame[2]):
                child: Any = [] if is_item else {}
                frame[1][slot] = child
                stack.append((indent, child, not is_item))
                if len(stack) > _MAX_DEPTH:
                    raise _Outside
                if note is not None:
                    note(number)
        if not stack:
            if root:
                raise _Outside  # a second top-level value in one document
            child = [] if is_item else {}
            root.append(child)
            stack.append((indent, child, not is_item))
            if note is not None:
                note(number)
        while stack[-1][0] > indent:
            stack.pop()
            if not stack:
                raise _Outside
        top = stack[-1]
        if top[0] != indent:
            raise _Outside  # a continuation line, or indentation YAML refuses
        if not is_item and not top[2]:
            # `key:` followed by a sequence at the key's own column, then the next key
            stack.pop()
            if not stack or stack[-1][0] != indent or not stack[-1][2]:
                raise _Outside
            top = stack[-1]
        elif is_item and top[2]:
            raise _Outside
        if is_item:
            items = top[1]
            index = len(items)
            if note is not None:
                note(number)
            if kind == _ITEM_OPEN:
                items.append(None)
                pending = (top, index, indent)
            elif key is _MISSING:
                items.append(_fresh(value))
            else:  # `- key: value` opens a mapping inside the item
                child = {}
                items.append(child)
                top = (column, child, True)
                stack.append(top)
                if len(stack) > _MAX_DEPTH:
                    raise _Outside
                if note is not None:
                    note(number)  # the item's line, then the mapping's own
                    note(number)  # and its first key's
                child[key] = None if value is _MISSING else _fresh(value)
                if value is _MISSING:
                    pending = (top, key, column)
        else:
            container = top[1]
            if key in container:
                raise _Outside
            if note is not None:
                note(number)
            if kind == _OPEN:
                container[key] = None
                pending = (top, key, indent)
            else:
                container[key] = value if kind == _ENTRY else _fresh(value)
        fast = top[0] if top[2] and pending is None else -2
        mapping = top[1]
    if pending is not None:
        pending[0][1][pending[1]] = None
    if root or started:
        found.append(root[0] if root else None)
        if note is not None:
            note(0)
    return found


def _fresh(value: Any) -> Any:
    if value is _NEW_MAP:
        return {}
    if value is _NEW_SEQ:
        return []
    return value


def _classify(line: str) -> _Line:
    """What one line holds (raises _Outside for anything this reader leaves to libyaml)."""
    if _CONTROL.search(line):  # comments too: a lone CR is a line break, others are refused
        raise _Outside
    content = line.lstrip(" ")
    if not content or content[0] == "#":
        return (_SKIP, 0, None, None, 0)
    indent = len(line) - len(content)
    content = content.rstrip(" ")
    if indent == 0 and (content.startswith("---") or content.startswith("...")):
        if content != "---":
            raise _Outside
        return (_MARKER, 0, None, None, 0)
    if content[0] == "-" and (len(content) == 1 or content[1] == " "):
        rest = content[1:].lstrip(" ")
        if not rest or rest[0] == "#":
            return (_ITEM_OPEN, indent, _MISSING, _MISSING, 0)
        if rest[0] == "-" and (len(rest) == 1 or rest[1] == " "):
            raise _Outside  # a sequence directly in a sequence item
        key, value_text = _split(rest)
        if key is _MISSING:
            return (_ITEM, indent, _MISSING, _value(value_text), 0)
        value = _MISSING if not value_text or value_text[0] == "#" else _value(value_text)
        return (_ITEM, indent, key, value, indent + len(content) - len(rest))
    key, value_text = _split(content)
    if key is _MISSING:
        raise _Outside  # a scalar where a key was expected
    if not value_text or value_text[0] == "#":
        return (_OPEN, indent, key, None, 0)
    value = _value(value_text)
    return (
        _EMPTY_ENTRY if value is _NEW_MAP or value is _NEW_SEQ else _ENTRY,
        indent,
        key,
        value,
        0,
    )


def _value(text: str) -> Any:
    """A one-line scalar (or `{}`/`[]`) followed by nothing but an optional comment."""
    first = text[0]
    if first == "'" or first == '"':
        value, rest = _quoted(text)
        _comment_only(rest)
        return value
    if first == "{" or first == "[":
        if text[:2] not in ("{}", "[]"):
            raise _Outside
        _comment_only(text[2:])
        return _NEW_MAP if first == "{" else _NEW_SEQ
    return _SCALARS.value(_plain(text))


def _comment_only(rest: str) -> None:
    """What follows a value on its line must be nothing, or spaces and a comment."""
    if rest and (rest[0] != " " or rest.lstrip(" ")[0] != "#"):
        raise _Outside


def _split(content: str) -> tuple[Any, str]:
    """(key, the text after `: `) of a mapping entry, or (_MISSING, content) for a scalar."""
    first = content[0]
    if first == "'" or first == '"':
        value, rest = _quoted(content)
        if rest[:1] != ":":
            return _MISSING, content
        if len(rest) > 1 and rest[1] != " ":
            raise _Outside
        if len(content) - len(rest) > _KEY_MAX:
            raise _Outside
        return value, rest[1:].lstrip(" ")
    at = content.find(": ")
    if at < 0:
        if content[-1] != ":":
            return _MISSING, content
        at = len(content) - 1
        key_text, rest = content[:-1], ""
    else:
        key_text, rest = content[:at], content[at + 2 :].lstrip(" ")
    if at > _KEY_MAX:
        raise _Outside
    key_text = key_text.rstrip(" ")
    if not key_text or " #" in key_text:
        raise _Outside
    return _SCALARS.key(_plain(key_text)), rest


def _plain(text: str) -> str:
    """A plain scalar's value: up to a comment, without trailing spaces; only what YAML's block
    context reads as one plain scalar on one line."""
    first = text[0]
    if first in _PLAIN_START_REFUSED or (first in "-?:" and (len(text) == 1 or text[1] == " ")):
        raise _Outside
    cut = text.find(" #")
    if cut >= 0:
        text = text[:cut].rstrip(" ")
    if ": " in text or text[-1] == ":":
        raise _Outside
    return text


def _quoted(text: str) -> tuple[str, str]:
    """A one-line quoted scalar at the start of `text`: its value and what follows it."""
    quote = text[0]
    if quote == '"':
        end = text.find('"', 1)
        if end < 0 or "\\" in text[1:end]:
            raise _Outside
        return text[1:end], text[end + 1 :]
    parts: list[str] = []
    start = 1
    while True:
        end = text.find("'", start)
        if end < 0:
            raise _Outside
        parts.append(text[start:end])
        if text[end + 1 : end + 2] == "'":
            parts.append("'")
            start = end + 2
            continue
        return "".join(parts), text[end + 1 :]
