"""The API server's syntax rules for names, labels, ports and quantities (apimachinery
util/validation, resource.Quantity), with the one wording every message uses.

Each check returns None when the value is valid, else a phrase that reads after the value
("must be a DNS-1123 label: ..."), so the caller can say where it was (file, object and field,
or config key) and quote the value its own way. Memoized: the same keys recur across thousands of
objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

from kubefacts.api import MAX_PORT, MIN_PORT

DNS_LABEL_MAX: Final = 63
DNS_SUBDOMAIN_MAX: Final = 253
LABEL_NAME_MAX: Final = 63
LABEL_VALUE_MAX: Final = 63
PORT_NAME_MAX: Final = 15

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_LETTER = re.compile(r"[a-z]")
_QUANTITY = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?")
"""resource.ParseQuantity's syntax, ASCII digits only (``\\d`` would match U+0665, an
Arabic-Indic five, as well)."""

DNS_LABEL_RULE: Final = (
    f"a DNS-1123 label: at most {DNS_LABEL_MAX} lowercase letters, digits and '-', "
    "starting and ending with a letter or digit"
)
DNS_SUBDOMAIN_RULE: Final = (
    f"a DNS subdomain: at most {DNS_SUBDOMAIN_MAX} lowercase letters, digits, '-' and '.', "
    "each part starting and ending with a letter or digit"
)
LABEL_KEY_RULE: Final = (
    f"a label key: an optional DNS subdomain prefix and '/', then at most {LABEL_NAME_MAX} "
    "letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
)
LABEL_VALUE_RULE: Final = (
    f"a label value: empty, or at most {LABEL_VALUE_MAX} letters, digits, '-', '_' or '.', "
    "starting and ending with a letter or digit"
)
ANNOTATION_KEY_RULE: Final = (
    f"an annotation key: an optional DNS subdomain prefix and '/', then at most {LABEL_NAME_MAX} "
    "letters, digits, '-', '_' or '.', starting and ending with a letter or digit (any case)"
)
PORT_NAME_RULE: Final = (
    f"a port name (IANA_SVC_NAME): at most {PORT_NAME_MAX} lowercase letters, digits and '-', "
    "with at least one letter, no leading, trailing or doubled '-'"
)
PORT_NUMBER_RULE: Final = f"a port number between {MIN_PORT} and {MAX_PORT}"
QUANTITY_RULE: Final = "a Kubernetes quantity such as 500m, 2, 1.5, 512Mi or 4Gi"
NONNEGATIVE_QUANTITY_RULE: Final = (
    "ResourceQuota and LimitRange values must be greater than or equal to 0"
)


SHOWN_MAX: Final = 200
"""How much of a value a message quotes: enough to recognise it, never a whole 10 MB value."""


def shorten(text: str, limit: int = SHOWN_MAX) -> str:
    """`text` itself, or its first `limit` characters, an ellipsis and its length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def shown(value: object) -> str:
    """`repr(value)`, shortened: how a message that names a file and field quotes a value."""
    return shorten(repr(value))


def quoted(value: object, rule: Callable[[Any], str | None]) -> str | None:
    """The rule's problem with the value in front ("'Bad_NS' must be a DNS-1123 label: ..."),
    as a message that names a file and field rather than a config key reads."""
    problem = rule(value)
    return f"{shown(value)} {problem}" if problem else None


def _syntax_problem(value: str, limit: int, pattern: re.Pattern[str], rule: str) -> str | None:
    """At most `limit` characters, all of `pattern`; the length is said first when it is wrong."""
    if len(value) > limit:
        return f"{len(value)} characters is too long for {rule}"
    return None if pattern.fullmatch(value) else f"must be {rule}"


@lru_cache(maxsize=4096)
def dns_label_problem(value: str) -> str | None:
    """Namespace names (and the parts the environments program composes them from)."""
    return _syntax_problem(value, DNS_LABEL_MAX, _DNS_LABEL, DNS_LABEL_RULE)


@lru_cache(maxsize=4096)
def dns_subdomain_problem(value: str) -> str | None:
    """Most object names, and label key prefixes."""
    return _syntax_problem(value, DNS_SUBDOMAIN_MAX, _DNS_SUBDOMAIN, DNS_SUBDOMAIN_RULE)


@lru_cache(maxsize=4096)
def label_key_problem(key: str) -> str | None:
    """Label keys, and qualified names such as the resource names of a quota (`requests.cpu`)."""
    prefix, slash, name = key.rpartition("/")
    if slash and (
        not prefix or len(prefix) > DNS_SUBDOMAIN_MAX or not _DNS_SUBDOMAIN.fullmatch(prefix)
    ):
        return f"must be {LABEL_KEY_RULE}"
    if not name or len(name) > LABEL_NAME_MAX or not _QUALIFIED_NAME.fullmatch(name):
        return f"must be {LABEL_KEY_RULE}"
    return None


@lru_cache(maxsize=4096)
def annotation_key_problem(key: str) -> str | None:
    """ValidateAnnotations: a label key once lower-cased (case does not matter)."""
    return f"must be {ANNOTATION_KEY_RULE}" if label_key_problem(key.lower()) else None


@lru_cache(maxsize=4096)
def label_value_problem(value: str) -> str | None:
    """Label values are short and may be empty."""
    if not value:
        return None
    return _syntax_problem(value, LABEL_VALUE_MAX, _QUALIFIED_NAME, LABEL_VALUE_RULE)


@lru_cache(maxsize=1024)
def port_name_problem(name: str) -> str | None:
    valid = (
        0 < len(name) <= PORT_NAME_MAX
        and _PORT_NAME_CHARS.fullmatch(name) is not None
        and _LETTER.search(name) is not None
        and "--" not in name
        and not name.startswith("-")
        and not name.endswith("-")
    )
    return None if valid else f"must be {PORT_NAME_RULE}"


def port_number_problem(number: int) -> str | None:
    return None if MIN_PORT <= number <= MAX_PORT else f"must be {PORT_NUMBER_RULE}"


def quantity_problem(value: str) -> str | None:
    """ResourceQuota and LimitRange values are quantities."""
    return None if _QUANTITY.fullmatch(value) else f"must be {QUANTITY_RULE}"


def resource_quantity_problem(value: str) -> str | None:
    """A ResourceQuota ``spec.hard`` or LimitRange limit: a quantity that is not negative. A
    negative quantity parses (``resource.ParseQuantity("-5")``), but the API server validates
    these values with ``validateResourceQuantityValue`` -> ``ValidateNonnegativeQuantity``
    (pkg/apis/core/validation): "must be greater than or equal to 0"."""
    problem = quantity_problem(value)
    if problem is not None:
        return problem
    mantissa = value[: len(value) - len(value.lstrip("+-0123456789."))] or value
    if value.startswith("-") and any(digit in "123456789" for digit in mantissa):
        return f"must not be negative: {NONNEGATIVE_QUANTITY_RULE}"
    return None
