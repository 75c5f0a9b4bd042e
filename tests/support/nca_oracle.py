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

import atexit
import contextlib
import functools
import ipaddress
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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


Endpoint = str | IPRange


@dataclass(frozen=True, slots=True)
class ConnectivityMap:
    """nca's answer: which connections each (source, destination) line allows."""

    lines: tuple[tuple[Endpoint, Endpoint, Connections], ...]
    # The lines' connections by their (source, destination) as printed, and the address ranges
    # printed: a question looks up the few keys that cover its endpoints instead of every line.
    _by_ends: dict[tuple[Endpoint, Endpoint], list[Connections]] = field(
        init=False, repr=False, compare=False
    )
    _ranges: tuple[IPRange, ...] = field(init=False, repr=False, compare=False)
    # `_keys` per endpoint: a question is asked for every port of every pair.
    _keys_of: dict[str, list[Endpoint]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_ends: dict[tuple[Endpoint, Endpoint], list[Connections]] = {}
        ranges: dict[IPRange, None] = {}
        for src, dst, conns in self.lines:
            by_ends.setdefault((src, dst), []).append(conns)
            ranges.update((end, None) for end in (src, dst) if isinstance(end, IPRange))
        object.__setattr__(self, "_by_ends", by_ends)
        object.__setattr__(self, "_ranges", tuple(ranges))
        object.__setattr__(self, "_keys_of", {})

    def allows(self, src: str, dst: str, port: int, protocol: str) -> bool:
        """Whether nca allows src -> dst; endpoints are "namespace/pod" or an IP address.

        True when some line covers both endpoints (a pod line names the pod, an address line
        holds the address) and its connections allow the port and protocol."""
        return any(
            conns.allows(port, protocol)
            for src_key in self._keys(src)
            for dst_key in self._keys(dst)
            for conns in self._by_ends.get((src_key, dst_key), ())
        )

    def _keys(self, endpoint: str) -> list[Endpoint]:
        """The printed endpoints that cover `endpoint`: itself, and every range holding it."""
        found = self._keys_of.get(endpoint)
        if found is None:
            ip = _as_ip(endpoint)
            found = [endpoint, *(r for r in self._ranges if ip is not None and ip in r)]
            self._keys_of[endpoint] = found
        return found

    def pods(self) -> set[str]:
        """Every pod that appears on some line."""
        return {end for src, dst, _ in self.lines for end in (src, dst) if isinstance(end, str)}


@functools.lru_cache(maxsize=4096)
def _as_ip(endpoint: str) -> IPAddress | None:
    """The address `endpoint` names, or None for a pod name ("namespace/pod")."""
    try:
        return ipaddress.ip_address(endpoint)
    except ValueError:
        return None


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
    """Run nca with `args`; return its stdout, or raise NcaError (with all output) on failure.

    The question goes to a long-lived nca_server.py for this nca (one per test process), which
    answers it in a fresh process forked after nca's imports; when no server can run that nca
    (not a Python script, or NCA_SERVER=0), nca is started for this question alone.
    """
    exe = nca or find_nca()
    if exe is None:
        raise FileNotFoundError(INSTALL_HINT)
    server = server_for(exe)
    if server is not None:
        returncode, stdout, stderr = server.run(args, timeout=timeout)
    else:
        proc = subprocess.run(
            [exe, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        returncode, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    if returncode != 0:
        raise NcaError(returncode, stdout + stderr)
    return stdout


SERVER_SCRIPT = Path(__file__).with_name("nca_server.py")


class NcaServer:
    """A running nca_server.py: one nca import, one forked process per question. Its nca sees
    the environment of the moment it started (each question says its working folder)."""

    def __init__(self, interpreter: Sequence[str]) -> None:
        self._lock = threading.Lock()
        self._proc = subprocess.Popen(
            [*interpreter, str(SERVER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        hello = self._read()
        if not hello.get("ready"):
            self.close()
            raise RuntimeError(f"nca server did not start: {hello.get('error', hello)}")

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"nca server ended (exit status {self._proc.poll()})")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def run(self, args: Sequence[str], *, timeout: float) -> tuple[int, str, str]:
        """nca's exit status, stdout and stderr for `args` (run in the current folder)."""
        request = {"args": [str(a) for a in args], "cwd": os.getcwd(), "timeout": timeout}
        with self._lock:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(json.dumps(request) + "\n")
                self._proc.stdin.flush()
            except BrokenPipeError:
                raise RuntimeError(f"nca server ended (exit status {self._proc.poll()})") from None
            reply = self._read()
        if reply.get("timeout"):
            raise subprocess.TimeoutExpired(["nca", *request["args"]], timeout)
        return int(reply["returncode"]), str(reply["stdout"]), str(reply["stderr"])

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    @property
    def pid(self) -> int:
        return self._proc.pid

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):  # a request it died before reading
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


_servers: dict[str, NcaServer | None] = {}


def python_of(exe: str) -> list[str] | None:
    """The interpreter command line of a Python console script (its `#!` line), else None."""
    try:
        with open(exe, "rb") as script:
            first = script.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    command = first[2:].decode("utf-8", "replace").split()
    return command if command and "python" in Path(command[-1]).name else None


def server_for(exe: str) -> NcaServer | None:
    """This process's server for `exe`, started on first use; None if it cannot run one (not a
    Python script, or NCA_SERVER=0)."""
    if os.environ.get("NCA_SERVER", "1") == "0":
        return None
    if exe in _servers and (dead := _servers[exe]) is not None and not dead.alive:
        dead.close()  # it died (killed, out of memory): the next question gets a new one
        del _servers[exe]
    if exe not in _servers:
        interpreter = python_of(exe)
        server = None
        if interpreter is not None:
            try:
                server = NcaServer(interpreter)
            except (OSError, RuntimeError):
                server = None
        _servers[exe] = server
    return _servers[exe]


def forget_server(exe: str) -> None:
    """Stop this process's server for `exe`, if it has one (a next question starts another)."""
    server = _servers.pop(exe, None)
    if server is not None:
        server.close()


@atexit.register
def _close_servers() -> None:
    for server in _servers.values():
        if server is not None:
            server.close()
    _servers.clear()


def connectivity(paths: Iterable[str | Path], *, nca: str | None = None) -> ConnectivityMap:
    """nca's connectivity map over manifest files/folders (pods, namespaces and policies)."""
    args = ["--connectivity"]
    for path in paths:
        args += ["-r", str(path)]
    args += ["-o", "txt_no_fw_rules", "--print_ipv6"]
    return parse_txt_no_fw_rules(run_nca(args, nca=nca))


SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: ~3x faster


def write_manifests(path: Path, docs: Sequence[Mapping[str, Any]]) -> Path:
    """Write `docs` as one multi-document YAML file, the form both analyzers read."""
    text = yaml.dump_all(list(docs), Dumper=SAFE_DUMPER, sort_keys=True)
    path.write_text(text, encoding="utf-8")
    return path
