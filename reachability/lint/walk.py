"""Walking a NetworkPolicy manifest: its rules and peers, each with the field path lint points at.

Lint reads the original manifest (not the parsed spec) so that every path names a field exactly as
it is written in the user's file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import yaml

DIRECTIONS = (("ingress", "from"), ("egress", "to"))


class PolicyLike(Protocol):
    """What lint needs of a parsed policy (the engine's NetworkPolicy has all of it)."""

    @property
    def namespace(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def manifest(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class RuleSite:
    """One ingress or egress rule and where it sits in the manifest."""

    direction: str  # "ingress" | "egress"
    index: int
    rule: Mapping[str, Any]
    field: str  # e.g. "spec.egress[0]"

    @property
    def peers_key(self) -> str:
        return "from" if self.direction == "ingress" else "to"


def obj_of(policy: PolicyLike) -> str:
    return f"NetworkPolicy {policy.namespace}/{policy.name}"


def spec_of(policy: PolicyLike) -> Mapping[str, Any]:
    spec = policy.manifest.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def rules_of(policy: PolicyLike) -> Iterator[RuleSite]:
    spec = spec_of(policy)
    for direction, _ in DIRECTIONS:
        rules = spec.get(direction)
        if not isinstance(rules, Sequence) or isinstance(rules, str):
            continue
        for index, rule in enumerate(rules):
            if isinstance(rule, Mapping):
                yield RuleSite(direction, index, rule, f"spec.{direction}[{index}]")


def peers_of(site: RuleSite) -> list[tuple[int, Mapping[str, Any]]]:
    peers = site.rule.get(site.peers_key)
    if not isinstance(peers, Sequence) or isinstance(peers, str):
        return []
    return [(i, peer) for i, peer in enumerate(peers) if isinstance(peer, Mapping)]


def ports_of(site: RuleSite) -> list[tuple[int, Mapping[str, Any]]]:
    ports = site.rule.get("ports")
    if not isinstance(ports, Sequence) or isinstance(ports, str):
        return []
    return [(i, port) for i, port in enumerate(ports) if isinstance(port, Mapping)]


def is_empty_selector(selector: Any) -> bool:
    """`{}` (or only empty lists): selects everything in its scope."""
    if not isinstance(selector, Mapping):
        return False
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def flow(value: Any) -> str:
    """A value as one line of YAML flow style, as a fix would be typed."""
    return yaml.safe_dump(
        _plain(value), default_flow_style=True, sort_keys=True, width=1000
    ).strip()


def plain(value: Any) -> Any:
    """Read-only mappings and tuples (as the engine keeps manifests) -> dicts and lists."""
    return _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value
