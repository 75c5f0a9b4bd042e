"""Run network-config-analyzer (`nca`) as an independent oracle and read its connectivity map.

nca 2.1.0 has no per-pair machine format: its `txt_no_fw_rules` output lists every allowed
(source, destination) pair with the connections it allows, one line each, e.g.

    ns1/web[Pod] => 10.0.0.0-10.0.0.255 : {protocols:TCP,dst_ports:80,8000-8100}

This module turns that text into a queryable map. Facts about nca that shape the parsing:
pods carry no IP in nca (ipBlocks never match pods), IP endpoints are printed as address ranges
(one line per range), a pair may appear on several lines (their connections add up), and
self-connections (a pod to itself) are never printed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import REPO_ROOT

REPO = REPO_ROOT
INSTALL_HINT = (
    "network-config-analyzer (nca) is not installed: run `bash scripts/bootstrap` to create "
    ".venv-nca, or set NCA to the path of an nca executable"
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def find_nca() -> str | None:
    """The nca executable: $NCA, else <repo>/.venv-nca/bin/nca, else `nca` on PATH."""
    env = os.environ.get("NCA")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    local = REPO / ".venv-nca" / "bin" / "nca"
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which("nca")


class NcaError(RuntimeError):
    """nca refused the input or failed; the message carries its exit code and output."""

    def __init__(self, returncode: int, output: str) -> None:
        super().__init__(f"nca exited with {returncode}:\n{output}")
        self.returncode = returncode
        self.output = output


@dataclass(frozen=True, slots=True)
class Protocols:
    """A set of protocol names; `complement` means "every protocol except `names`"."""

    names: frozenset[str]
    complement: bool = False

    def __contains__(self, protocol: object) -> bool:
        return (protocol in self.names) != self.complement


ALL_PROTOCOLS = Protocols(frozenset(), complement=True)


@dataclass(frozen=True, slots=True)
class Cube:
    """One `{protocols:...,dst_ports:...}` term; a missing dimension means "any"."""

    protocols: Protocols = ALL_PROTOCOLS
    ports: tuple[tuple[int, int], ...] | None = None  # inclusive ranges; None = every port

    def allows(self, port: int, protocol: str) -> bool:
        if protocol not in self.protocols:
            return False
        return self.ports is None or any(lo <= port <= hi for lo, hi in self.ports)


@dataclass(frozen=True, slots=True)
class Connections:
    """The connections nca prints for one line: a union of cubes, possibly complemented."""

    cubes: tuple[Cube, ...]
    complement: bool = False

    def allows(self, port: int, protocol: str) -> bool:
        return any(cube.allows(port, protocol) for cube in self.cubes) != self.complement


ALL_CONNECTIONS = Connections((), complement=True)
NO_CONNECTIONS = Connections(())

_KEY = re.compile(r",(?=[a-z_]+:)")


def parse_connections(text: str) -> Connections:
    """Parse nca's connection text ("All connections", "All but {...}", "{...},{...}")."""
    text = text.strip()
    if text == "All connections":
        return ALL_CONNECTIONS
    if text == "No connections":
        return NO_CONNECTIONS
    complement = text.startswith("All but ")
    if complement:
        text = text.removeprefix("All but ").strip()
    bodies = re.findall(r"\{([^{}]*)\}", text)
    if not bodies or re.sub(r"\{[^{}]*\}", "", text).strip(", "):
        raise ValueError(f"unrecognised nca connection text: {text!r}")
    return Connections(tuple(_parse_cube(body) for body in bodies), complement)


def _parse_cube(body: str) -> Cube:
    protocols, ports = ALL_PROTOCOLS, None
    for item in _KEY.split(body):
        key, _, value = item.partition(":")
        if key == "protocols":
            protocols = _parse_protocols(value)
        elif key == "dst_ports":
            ports = tuple(_parse_range(part) for part in value.split(","))
        else:
            # src ports, ICMP, HTTP dimensions never come from a Kubernetes NetworkPolicy.
            raise ValueError(f"unexpected dimension {key!r} in nca connection {body!r}")
    return Cube(protocols, ports)


def _parse_protocols(value: str) -> Protocols:
    value = value.strip()
    if value == "*":
        return ALL_PROTOCOLS
    complement = value.startswith("all but ")
    names = value.removeprefix("all but ").split(",")
    return Protocols(frozenset(name.strip().upper() for name in names), complement)


def _parse_range(part: str) -> tuple[int, int]:
    lo, _, hi = part.strip().partition("-")
    return int(lo), int(hi or lo)


@dataclass(frozen=True, slots=True)
class IPRange:
    """An address range as nca prints it ("a-b", a CIDR list, or one address)."""

    spans: tuple[tuple[IPAddress, IPAddress], ...]

    def __contains__(self, ip: object) -> bool:
        if not isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return False
        return any(
            lo.version == ip.version and lo <= ip <= hi  # type: ignore[operator]
            for lo, hi in self.spans
        )


def _parse_endpoint(text: str) -> str | IPRange:
    """A pod becomes "namespace/name"; anything else must be an address range."""
    text = text.strip()
    pod = re.fullmatch(r"([^/\s\[]+)/([^/\s\[]+)\[[A-Za-z]+\]", text)
    if pod:
        return f"{pod.group(1)}/{pod.group(2)}"
    spans = []
    for part in text.split(","):
        part = part.strip()
        if "/" in part:
            net = ipaddress.ip_network(part, strict=False)
            spans.append((net[0], net[-1]))
        else:
            lo, sep, hi = part.partition("-")
            spans.append((ipaddress.ip_address(lo), ipaddress.ip_address(hi if sep else lo)))
    return IPRange(tuple(spans))


@dataclass(frozen=True, slots=True)
class ConnectivityMap:
    """nca's answer: which connections each (source, destination) line allows."""

    lines: tuple[tuple[str | IPRange, str | IPRange, Connections], ...]

    def allows(self, src: str, dst: str, port: int, protocol: str) -> bool:
        """Whether nca allows src -> dst; endpoints are "namespace/pod" or an IP address."""
        return any(
            _covers(line_src, src) and _covers(line_dst, dst) and conns.allows(port, protocol)
            for line_src, line_dst, conns in self.lines
        )

    def pods(self) -> set[str]:
        """Every pod that appears on some line."""
        return {end for src, dst, _ in self.lines for end in (src, dst) if isinstance(end, str)}


def _covers(line_end: str | IPRange, endpoint: str) -> bool:
    if isinstance(line_end, str):
        return line_end == endpoint
    try:
        return ipaddress.ip_address(endpoint) in line_end
    except ValueError:
        return False  # a pod name never matches an address range


def parse_txt_no_fw_rules(output: str) -> ConnectivityMap:
    """Read every `SRC => DST : CONNECTIONS` line; other lines (banners, timings) are ignored."""
    lines = []
    for raw in output.splitlines():
        if " => " not in raw:
            continue
        src, _, rest = raw.partition(" => ")
        dst, sep, conns = rest.partition(" : ")
        if not sep:
            raise ValueError(f"unrecognised nca line: {raw!r}")
        lines.append((_parse_endpoint(src), _parse_endpoint(dst), parse_connections(conns)))
    return ConnectivityMap(tuple(lines))


def run_nca(args: Sequence[str], *, nca: str | None = None, timeout: float = 300) -> str:
    """Run nca with `args`; return its stdout, or raise NcaError (with all output) on failure."""
    exe = nca or find_nca()
    if exe is None:
        raise FileNotFoundError(INSTALL_HINT)
    proc = subprocess.run(
        [exe, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise NcaError(proc.returncode, proc.stdout + proc.stderr)
    return proc.stdout


def connectivity(paths: Iterable[str | Path], *, nca: str | None = None) -> ConnectivityMap:
    """nca's connectivity map over manifest files/folders (pods, namespaces and policies)."""
    args = ["--connectivity"]
    for path in paths:
        args += ["-r", str(path)]
    args += ["-o", "txt_no_fw_rules", "--print_ipv6"]
    return parse_txt_no_fw_rules(run_nca(args, nca=nca))


def write_manifests(path: Path, docs: Sequence[Mapping[str, Any]]) -> Path:
    """Write `docs` as one multi-document YAML file, the form both analyzers read."""
    path.write_text(yaml.safe_dump_all(list(docs), sort_keys=True), encoding="utf-8")
    return path
