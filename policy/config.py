"""The pack's configuration (`--policy-pack-config`), checked before a policy uses it.

The Pulumi CLI passes whatever JSON the user wrote; a policy that trusted it (a list where a map
of labels is expected) would raise inside `pulumi preview` and break the whole run. Each value
is checked as the API server checks the name or label it stands for, and a wrong one becomes one
violation naming the key, the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubefacts.layout import (
    DEFAULT_DNS_NAMESPACE,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_INGRESS_NAMESPACE,
)
from kubefacts.validation import dns_label_problem, label_key_problem, label_value_problem, shown


class PackConfigError(ValueError):
    """A pack config value a user can fix; `str()` is the whole one-line message."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        super().__init__(f"policy pack config {key}: {shown(value)}: {allowed}")


@dataclass(frozen=True, slots=True)
class PackConfig:
    ingress_namespace: str = DEFAULT_INGRESS_NAMESPACE
    dns_namespace: str = DEFAULT_DNS_NAMESPACE
    dns_pod_labels: tuple[tuple[str, str], ...] = tuple(sorted(DEFAULT_DNS_POD_LABELS.items()))


def pack_config(config: Mapping[str, Any]) -> PackConfig:
    """The config of one policy, checked; raises PackConfigError naming the first wrong key."""
    defaults = PackConfig()
    return PackConfig(
        ingress_namespace=_namespace(config, "ingressNamespace", defaults.ingress_namespace),
        dns_namespace=_namespace(config, "dnsNamespace", defaults.dns_namespace),
        dns_pod_labels=_labels(config, "dnsPodLabels", defaults.dns_pod_labels),
    )


def _namespace(config: Mapping[str, Any], key: str, default: str) -> str:
    value = config.get(key)
    if value is None or value == "":
        return default
    problem = "must be a string" if not isinstance(value, str) else dns_label_problem(value)
    if problem:
        raise PackConfigError(key, value, f"{problem} (a namespace name)")
    return value


def _labels(
    config: Mapping[str, Any], key: str, default: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    value = config.get(key)
    if value is None or value == {}:
        return default
    if not isinstance(value, Mapping):
        raise PackConfigError(key, value, "must be a map of label keys to string values")
    for label, text in value.items():
        if not isinstance(label, str) or label_key_problem(label):
            raise PackConfigError(key, value, f"label key {shown(label)} must be a label key")
        if not isinstance(text, str):
            raise PackConfigError(key, value, f"the value of {label} must be a string")
        problem = label_value_problem(text)
        if problem:
            raise PackConfigError(key, value, f"the value of {label} {problem}")
    return tuple(sorted(value.items()))
