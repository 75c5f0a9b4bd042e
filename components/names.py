"""Kubernetes naming rules, checked before anything reaches a cluster.

Each function returns ``None`` when the value is valid, else a short sentence saying what is
allowed; the caller adds which config key and value were wrong. Whether a name or label is valid
is decided by ``reachability.validation`` (the API server's rules, which the analyzer applies to
the same manifests), so program and analyzer cannot disagree; only the wording for a config key,
and the quantity rule the analyzer does not need, live here.
"""

from __future__ import annotations

import re

from reachability import validation

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
LABEL_NAME_MAX = 63
LABEL_VALUE_MAX = 63

_QUANTITY = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?")

DNS1123_LABEL_RULE = (
    f"a DNS-1123 label: at most {DNS1123_LABEL_MAX} characters, lowercase letters, digits and '-', "
    "starting and ending with a letter or digit"
)
LABEL_KEY_RULE = (
    "a Kubernetes label key: an optional DNS subdomain prefix and '/', then a name of at most "
    f"{LABEL_NAME_MAX} characters of letters, digits, '-', '_' and '.', starting and ending with a "
    "letter or digit"
)
LABEL_VALUE_RULE = (
    f"a Kubernetes label value: empty, or at most {LABEL_VALUE_MAX} characters of letters, digits, "
    "'-', '_' and '.', starting and ending with a letter or digit"
)
QUANTITY_RULE = "a Kubernetes quantity such as 500m, 2, 1.5, 512Mi or 4Gi"


def dns1123_label_problem(value: str) -> str | None:
    """Namespaces and the parts of their names must be DNS-1123 labels."""
    if len(value) > DNS1123_LABEL_MAX:
        return f"{len(value)} characters is too long for {DNS1123_LABEL_RULE}"
    if validation.dns_label_problem(value):
        return f"must be {DNS1123_LABEL_RULE}"
    return None


def dns1123_subdomain_problem(value: str) -> str | None:
    """Label key prefixes (and most object names) must be DNS-1123 subdomains."""
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        return f"is longer than {DNS1123_SUBDOMAIN_MAX} characters"
    if validation.dns_subdomain_problem(value):
        return "must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')"
    return None


def qualified_name_problem(value: str) -> str | None:
    """Label keys and resource names such as ``requests.cpu`` are qualified names."""
    return f"must be {LABEL_KEY_RULE}" if validation.label_key_problem(value) else None


def label_value_problem(value: str) -> str | None:
    """Label values are short and may be empty."""
    if len(value) > LABEL_VALUE_MAX:
        return f"{len(value)} characters is too long for {LABEL_VALUE_RULE}"
    if validation.label_value_problem(value):
        return f"must be {LABEL_VALUE_RULE}"
    return None


def quantity_problem(value: str) -> str | None:
    """ResourceQuota and LimitRange values are quantities."""
    if not _QUANTITY.fullmatch(value):
        return f"must be {QUANTITY_RULE}"
    return None
