"""The API server's syntax rules for names, labels and ports (apimachinery util/validation).

Each check returns None when the value is valid, else a sentence saying what is allowed, so the
caller can attach the file, object and field. Memoized: the same keys recur across thousands of
objects.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_LETTER = re.compile(r"[a-z]")

DNS_LABEL_RULE = (
    "must be a DNS label: at most 63 lowercase letters, digits and '-', "
    "starting and ending with a letter or digit"
)
DNS_SUBDOMAIN_RULE = (
    "must be a DNS subdomain: at most 253 lowercase letters, digits, '-' and '.', "
    "each part starting and ending with a letter or digit"
)
LABEL_KEY_RULE = (
    "must be a label key: an optional DNS subdomain prefix and '/', then at most 63 letters, "
    "digits, '-', '_' or '.', starting and ending with a letter or digit"
)
LABEL_VALUE_RULE = (
    "must be a label value: empty, or at most 63 letters, digits, '-', '_' or '.', "
    "starting and ending with a letter or digit"
)
ANNOTATION_KEY_RULE = (
    "must be an annotation key: an optional DNS subdomain prefix and '/', then at most 63 "
    "letters, digits, '-', '_' or '.', starting and ending with a letter or digit (any case)"
)
PORT_NAME_RULE = (
    "must be a port name (IANA_SVC_NAME): at most 15 lowercase letters, digits and '-', "
    "with at least one letter, no leading, trailing or doubled '-'"
)
PORT_NUMBER_RULE = "must be a port number between 1 and 65535"


@lru_cache(maxsize=4096)
def dns_label_problem(value: str) -> str | None:
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        return f"{value!r} {DNS_LABEL_RULE}"
    return None


@lru_cache(maxsize=4096)
def dns_subdomain_problem(value: str) -> str | None:
    if len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        return f"{value!r} {DNS_SUBDOMAIN_RULE}"
    return None


@lru_cache(maxsize=4096)
def label_key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return f"{key!r} {LABEL_KEY_RULE}"
    if not name or len(name) > 63 or not _QUALIFIED_NAME.fullmatch(name):
        return f"{key!r} {LABEL_KEY_RULE}"
    return None


@lru_cache(maxsize=4096)
def annotation_key_problem(key: str) -> str | None:
    """ValidateAnnotations: a label key once lower-cased (case does not matter)."""
    return f"{key!r} {ANNOTATION_KEY_RULE}" if label_key_problem(key.lower()) else None


@lru_cache(maxsize=4096)
def label_value_problem(value: str) -> str | None:
    if value and (len(value) > 63 or not _QUALIFIED_NAME.fullmatch(value)):
        return f"{value!r} {LABEL_VALUE_RULE}"
    return None


@lru_cache(maxsize=1024)
def port_name_problem(name: str) -> str | None:
    valid = (
        0 < len(name) <= 15
        and _PORT_NAME_CHARS.fullmatch(name) is not None
        and _LETTER.search(name) is not None
        and "--" not in name
        and not name.startswith("-")
        and not name.endswith("-")
    )
    return None if valid else f"{name!r} {PORT_NAME_RULE}"


def port_number_problem(number: int) -> str | None:
    return None if 1 <= number <= 65535 else f"{number} {PORT_NUMBER_RULE}"
