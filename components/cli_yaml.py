"""Project and stack files decoded as the Pulumi CLI decodes them, and its values as text.

The CLI is Go and reads these files with gopkg.in/yaml.v3 v3.0.1 (pulumi/pulumi ``sdk/go.mod``;
``sdk/go/common/encoding/marshal.go``, ``yamlMarshaler.Unmarshal`` -> ``yaml.Unmarshal``), at
pulumi/pulumi commit 1b5949891b3cefcb9974752b24a5ecef0acc86c8. ``LoadProjectStackBytes``
(``sdk/go/common/workspace/loaders.go``) decodes a stack file into ``any``, rejects maps with keys
that are not strings (``SimplifyMarshalledValue`` in ``project.go``: "expected only string keys"),
encodes it again and decodes each config value into a ``config.Value``, whose text is
``object.MarshalString`` (``sdk/go/common/resource/config/object.go``): a string as it is, a
boolean, number or structure as JSON (Go's ``encoding/json``; NaN and infinities cannot be
encoded, so the CLI fails on them).

How yaml.v3 resolves a plain (unquoted) scalar -- ``resolve.go`` ``resolve()`` at go-yaml/yaml
v3.0.1, commit f6f7691b1fdeb513f56608cd2c32c51f8194bf51 -- is YAML 1.2-ish and differs from
PyYAML's YAML 1.1 resolver:

* booleans are only ``true``/``True``/``TRUE``/``false``/``False``/``FALSE``: ``yes``, ``no``,
  ``on``, ``off``, ``y``, ``n`` are strings;
* null is ``~``, ``null``, ``Null``, ``NULL`` or nothing;
* no base-60 numbers ("purposefully unsupported"): ``1:30`` is the string "1:30", not 90;
* integers are Go's ``strconv.ParseInt(s, 0, 64)`` (then ``ParseUint``) of the text with every
  ``_`` removed first: ``5_432`` is 5432, ``0x1F`` 31, ``0o17`` and ``017`` both 15 ("Octals
  from the 1.1 spec, spelled as 0777, are still decoded by default in v3"), ``0b101`` 5;
* floats are text matching ``[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?`` once the
  ``_`` are removed (so ``1e3`` and ``08`` are floats), or ``.inf``/``.nan`` and their spellings;
  too large for a float64: a string;
* text that starts with four digits and ``-`` and parses as a date or date-time is a timestamp,
  which the CLI passes on as Go's ``time.Time.String()`` ("2024-01-01 00:00:00 +0000 UTC"). This
  reader refuses an unquoted timestamp instead of imitating that text: quote it;
* ``<<`` is a merge key, honoured in any map (explicit keys win over merged ones);
* a key written twice in one map is an error ("mapping key ... already defined").

yaml.v3 also refuses excessive aliasing and an alias inside its own anchor
(``kubefacts.yaml_limits``), and nests at most 10,000 levels; this reader allows
``MAX_NESTING`` (config values are at most a few levels deep).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from kubefacts.validation import shorten
from kubefacts.yaml_limits import (
    LocatedYamlError,
    check_yaml_limits,
    check_yaml_nesting,
    path_at,
)

MAX_NESTING: Final = 32
"""How deeply a project or stack file may nest (the document's root map is level 1)."""

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR: Final = "tag:yaml.org,2002:str"
_NULL: Final = "tag:yaml.org,2002:null"
_BOOL: Final = "tag:yaml.org,2002:bool"
_INT: Final = "tag:yaml.org,2002:int"
_FLOAT: Final = "tag:yaml.org,2002:float"
_MERGE: Final = "tag:yaml.org,2002:merge"
_TIMESTAMP: Final = "tag:yaml.org,2002:timestamp"
_SPECIAL: Final[Mapping[str, str]] = {
    **dict.fromkeys(("true", "True", "TRUE", "false", "False", "FALSE"), _BOOL),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), _NULL),
    **dict.fromkeys(
        (".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), _FLOAT
    ),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), _FLOAT),
    "<<": _MERGE,
}
_YAML_STYLE_FLOAT: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT: Final = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
_TIMESTAMP_TEXT: Final = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:[Tt](?P<t1>[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2})(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
    r"| (?P<t2>[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2})(?:\.[0-9]+)?)?"
)
_DIGITS: Final = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}
_INT64: Final = 2**63
_UINT64: Final = 2**64


def go_int(text: str) -> int | None:
    """``strconv.ParseInt(s, 0, 64)``, else ``ParseUint(s, 0, 64)``, of the text without ``_``."""
    body = text.replace("_", "")
    sign = body[:1] if body[:1] in ("+", "-") else ""
    body = body[len(sign) :]
    if not body:
        return None
    base, digits = 10, body
    if body[0] == "0":
        prefix = body[1:2].lower()
        if len(body) >= 3 and prefix in ("b", "o", "x"):
            base, digits = {"b": 2, "o": 8, "x": 16}[prefix], body[2:]
        else:
            base, digits = 8, body[1:]
    if any(char not in _DIGITS[base] for char in digits):
        return None
    value = int(digits, base) if digits else 0
    value = -value if sign == "-" else value
    if -_INT64 <= value < _INT64 or (not sign and value < _UINT64):
        return value
    return None


def go_float(text: str) -> float | None:
    """A yaml.v3 float of a plain scalar, or None (then it is a string)."""
    if _SPECIAL.get(text) == _FLOAT:
        lowered = text.lower().lstrip("+")
        return math.nan if lowered == ".nan" else -math.inf if lowered[0] == "-" else math.inf
    plain = text.replace("_", "")
    if text[:1] == ".":
        if not _DOT_FLOAT.fullmatch(text):
            return None
        plain = text
    elif not _YAML_STYLE_FLOAT.fullmatch(plain):
        return None
    value = float(plain)
    return None if math.isinf(value) else value  # ParseFloat: out of range is an error


def _is_timestamp(text: str) -> bool:
    """yaml.v3 ``parseTimestamp``: four digits and '-', then one of its ``time.Parse`` layouts."""
    match = _TIMESTAMP_TEXT.fullmatch(text)
    if match is None:
        return False
    try:
        date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return False
    clock = match["t1"] or match["t2"]
    if clock is None:
        return True
    hour, minute, second = (int(part) for part in clock.split(":"))
    return hour < 24 and minute < 60 and second < 60


def plain_tag(text: str) -> str:
    """The tag yaml.v3 resolves a plain scalar to."""
    if text in _SPECIAL:
        return _SPECIAL[text]
    if text[:1] == ".":
        return _FLOAT if go_float(text) is not None else _STR
    if not text or text[0] not in "+-0123456789":
        return _STR
    if _is_timestamp(text):
        return _TIMESTAMP
    if go_int(text) is not None:
        return _INT
    if go_float(text) is not None:
        return _FLOAT
    return _STR


class CliYamlLoader(_BaseLoader):  # type: ignore[misc]
    """yaml.v3's scalar resolution and duplicate-key rule on PyYAML (libyaml when present)."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return plain_tag(value) if implicit[0] else _STR
        return str(super().resolve(kind, value, implicit))

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the base class reports unhashable keys
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"mapping key {shorten(json.dumps(str(key)))} already defined at line "
                    f"{seen[key]}",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return dict(super().construct_mapping(node, deep=deep))

    def construct_go_int(self, node: ScalarNode) -> int:
        value = go_int(str(self.construct_scalar(node)))
        if value is None:
            raise _cannot_decode(node, "an integer")
        return value

    def construct_go_float(self, node: ScalarNode) -> float:
        text = str(self.construct_scalar(node))
        whole = go_int(text)  # yaml.v3: an integer tagged !!float is that float
        value = go_float(text) if whole is None else float(whole)
        if value is None:
            raise _cannot_decode(node, "a float")
        return value

    def construct_go_bool(self, node: ScalarNode) -> bool:
        text = str(self.construct_scalar(node))
        if _SPECIAL.get(text) != _BOOL:
            raise _cannot_decode(node, "a boolean (true or false)")
        return text.lower() == "true"

    def construct_timestamp(self, node: ScalarNode) -> str:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"{shorten(json.dumps(node.value))} is a YAML timestamp, which the Pulumi CLI passes "
            "on as Go time text; quote it to pass it as written",
            node.start_mark,
        )

    def construct_unsupported(self, node: Node) -> object:
        raise yaml.constructor.ConstructorError(
            None, None, f"the tag {node.tag} is not supported here", node.start_mark
        )


def _cannot_decode(node: ScalarNode, what: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(
        None, None, f"cannot decode {shorten(json.dumps(node.value))} as {what}", node.start_mark
    )


CliYamlLoader.add_constructor(_INT, CliYamlLoader.construct_go_int)
CliYamlLoader.add_constructor(_FLOAT, CliYamlLoader.construct_go_float)
CliYamlLoader.add_constructor(_BOOL, CliYamlLoader.construct_go_bool)
CliYamlLoader.add_constructor(_TIMESTAMP, CliYamlLoader.construct_timestamp)
for _tag in ("binary", "omap", "pairs", "set"):
    CliYamlLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", CliYamlLoader.construct_unsupported)


def load_cli_yaml(text: str) -> object:
    """One YAML document as the CLI decodes it; ``yaml.YAMLError`` (a ``YamlLimitError`` with
    the path for the limits) when it would refuse it."""
    if _BaseLoader is yaml.SafeLoader:  # no libyaml: PyYAML's composer recurses, bound it first
        check_yaml_nesting(text, yaml.SafeLoader, max_depth=MAX_NESTING)
    loader = CliYamlLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.scanner.ScannerError as error:
            if "nesting depth" in str(error.problem):  # libyaml's own bound (1,000): say where
                check_yaml_nesting(text, yaml.SafeLoader, max_depth=MAX_NESTING)
            raise
        if node is None:
            return None
        check_yaml_limits(node, max_depth=MAX_NESTING)
        try:
            return loader.construct_document(node)
        except yaml.MarkedYAMLError as error:  # say under which key
            mark = error.problem_mark or error.context_mark
            if mark is None:
                raise
            problem = "; ".join(part for part in (error.context, error.problem) if part)
            raise LocatedYamlError(problem, mark, path_at(node, mark)) from None
    finally:
        loader.dispose()


def go_json_float(value: float) -> str:
    """Go's ``encoding/json`` text of a float64: shortest digits, 'e' form below 1e-6 and from
    1e21 on (``e-07`` written ``e-7``); a ValueError for NaN and infinities, as in Go."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"json: unsupported value: {value}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, _, exponent = repr(value).partition("e")  # repr: "1e+21", "1.5e-07"
        if exponent.startswith("-0"):
            exponent = "-" + exponent[2:]
        return f"{mantissa}e{exponent}"
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def non_string_key(value: object) -> tuple[tuple[str | int, ...], object] | None:
    """The path to, and the first, map key that is not a string (the CLI refuses those)."""
    pending: list[tuple[tuple[str | int, ...], object]] = [((), value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, Mapping):
            for key, inner in item.items():
                if not isinstance(key, str):
                    return path, key
                pending.append(((*path, key), inner))
        elif isinstance(item, list):
            pending.extend(((*path, index), inner) for index, inner in enumerate(item))
    return None
