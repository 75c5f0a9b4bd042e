"""Validate an object against a CustomResourceDefinition's OpenAPI v3 schema, as the API server
would before storing it: the structural subset the network-policy-api CRDs use (type, properties,
required, items, enum, min/maxItems, min/maxLength, min/maxProperties, minimum/maximum, patterns,
additionalProperties) plus the two CEL rules of the ClusterNetworkPolicy CRD (``isCIDR(self)``,
``self.start < self.end``). An unknown field is a problem too: the API server would drop it
silently, so a manifest that relies on one does not do what it says.

Returns every problem at once, each with its field path.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import DATA

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser under PyYAML's safe constructor: what yaml.safe_load reads, ~5x faster
(the CRD is 60 kB, read when test modules are collected)."""
CNP_CRD = DATA / "network-policy-api" / "policy.networking.k8s.io_clusternetworkpolicies.yaml"

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
}


def crd_schema(path: Path = CNP_CRD, version: str = "v1alpha2") -> dict[str, Any]:
    """The openAPIV3Schema of `version` of the CRD in `path`."""
    crd = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    for served in crd["spec"]["versions"]:
        if served["name"] == version:
            return served["schema"]["openAPIV3Schema"]
    raise LookupError(f"{path.name} serves no version {version}")


def schema_problems(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Every way `value` breaks `schema`, as ``path: problem`` lines (empty when it is valid)."""
    where = path or "<root>"
    expected = schema.get("type")
    if expected is not None:
        if isinstance(value, bool) and expected != "boolean":
            return [f"{where}: is a boolean, expected {expected}"]
        if not isinstance(value, _TYPES[expected]):
            return [f"{where}: is a {type(value).__name__}, expected {expected}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where}: {value} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: {value} is above {schema['maximum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: longer than {schema['maxLength']} characters")
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{where}: shorter than {schema['minLength']} characters")
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            problems.append(f"{where}: does not match {schema['pattern']}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where}: more than {schema['maxItems']} items")
        if schema.get("x-kubernetes-list-type") == "set" and len(set(map(repr, value))) != len(
            value
        ):
            problems.append(f"{where}: a set with duplicate items")
        for index, item in enumerate(value):
            problems += schema_problems(item, schema.get("items", {}), f"{path}[{index}]")
    if isinstance(value, dict):
        problems += _object_problems(value, schema, path, where)
    for rule in schema.get("x-kubernetes-validations", ()):
        if not _cel_holds(rule["rule"], value):
            problems.append(f"{where}: {rule['message']} ({rule['rule']})")
    return problems


def _object_problems(
    value: dict[str, Any], schema: Mapping[str, Any], path: str, where: str
) -> list[str]:
    problems: list[str] = []
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        problems.append(f"{where}: fewer than {schema['minProperties']} fields")
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        problems.append(f"{where}: more than {schema['maxProperties']} fields ({sorted(value)})")
    problems += [
        f"{where}: missing required field {name}"
        for name in schema.get("required", ())
        if name not in value
    ]
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        inner = f"{path}.{key}" if path else key
        if properties is not None and key in properties:
            problems += schema_problems(item, properties[key], inner)
        elif isinstance(extra, Mapping):
            problems += schema_problems(item, extra, inner)
        elif properties is not None or extra is False:
            problems.append(f"{where}: unknown field {key} (the API server would drop it)")
    return problems


def _cel_holds(rule: str, value: Any) -> bool:
    """The CRD's CEL rules this validator knows; any other is a bug in the test to fix."""
    if rule == "isCIDR(self)":
        try:
            network = ipaddress.ip_network(value, strict=False)  # CEL isCIDR accepts host bits
        except ValueError:
            return False
        # k8s.io/apiserver/pkg/cel/library/cidr.go refuses IPv4-mapped IPv6 prefixes.
        return not (isinstance(network, ipaddress.IPv6Network) and network[0].ipv4_mapped)
    if rule == "self.start < self.end":
        # A missing or mistyped bound is the schema's problem (required, type): the API server
        # checks those before it runs the rule.
        start, end = value.get("start"), value.get("end")
        if not (isinstance(start, int) and isinstance(end, int)):
            return True
        return bool(start < end)
    raise NotImplementedError(f"CEL rule {rule!r} is not modelled by tests/support/crd_schema.py")
