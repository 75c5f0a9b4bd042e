"""Running the plan on a live cluster with ``kubectl exec`` (the impure shell of the e2e check).

Probes follow the upstream netpol e2e tests: ``/agnhost connect HOST:PORT --timeout=Ns
--protocol=tcp|udp|sctp`` from inside the source pod. The cluster DNS pods are asked a real
question with ``dig`` (in the agnhost image), because they do not answer agnhost's UDP payload.

A success is final (a policy that denies never lets one through); a failure is retried
``attempts`` times, so a slow first packet is not reported as a denial. A probe that kubectl itself
could not run (no address, exec error) is recorded as not measured (``allowed=None``), which the
comparison counts as a failure. Before probing, every probe pod must answer on each port it serves
over loopback, which NetworkPolicy never filters: a "denied" then always means the network said no.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from e2e.errors import InputError
from e2e.manifests import (
    Manifest,
    annotations_of,
    container_ports,
    kind_of,
    labels_of,
    name_of,
    namespace_of,
    pod_id,
)
from e2e.outcomes import Outcome
from e2e.plan import Probe, is_source
from e2e.probes import STANDS_FOR

DNS_QUESTION = "kubernetes.default.svc.cluster.local"
REMOTE_EXIT = "command terminated with exit code"


@dataclass(frozen=True, slots=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str]], Completed]


class MeasureError(InputError):
    """The cluster is not in a state to measure (pods not found, not listening)."""


def run_process(argv: Sequence[str], timeout: float = 60.0) -> Completed:
    """Run a command; a hung kubectl counts as a failed run, not a hung job."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Completed(124, "", f"timed out after {timeout:.0f}s: {' '.join(argv)}")
    except OSError as error:
        return Completed(127, "", f"cannot run {argv[0]}: {error}")
    return Completed(done.returncode, done.stdout, done.stderr)


def pod_addresses(pod_list: Mapping[str, Any], manifests: Sequence[Manifest]) -> dict[str, str]:
    """``namespace/name`` -> IP for each pod of the manifests that has one in the cluster.

    ``pod_list`` is ``kubectl get pods -A -o json``. A stand-in resolves to the first running pod
    (by name) of its namespace that matches its ``stands-for`` selector.
    """
    live = [
        item
        for item in pod_list.get("items") or []
        if (item.get("status") or {}).get("podIP")
        and (item.get("status") or {}).get("phase") == "Running"
    ]
    by_id = {pod_id(item): item["status"]["podIP"] for item in live}
    addresses: dict[str, str] = {}
    for doc in manifests:
        if kind_of(doc) != "Pod":
            continue
        selector = annotations_of(doc).get(STANDS_FOR)
        if selector is None:
            if pod_id(doc) in by_id:
                addresses[pod_id(doc)] = by_id[pod_id(doc)]
            continue
        wanted = _parse_selector(selector)
        matches = sorted(
            (name_of(item), item["status"]["podIP"])
            for item in live
            if namespace_of(item) == namespace_of(doc) and wanted.items() <= labels_of(item).items()
        )
        if matches:
            addresses[pod_id(doc)] = matches[0][1]
    return addresses


def probe_command(
    probe: Probe, address: str, container: str, timeout_s: int, kubectl: str = "kubectl"
) -> list[str]:
    namespace, pod = probe.source.split("/", 1)
    prefix = [kubectl, "exec", "-n", namespace, pod, "-c", container, "--"]
    if probe.method == "dns":
        transport = "+tcp" if probe.protocol == "TCP" else "+notcp"
        return [
            *prefix,
            "dig",
            f"+time={timeout_s}",
            "+tries=1",
            transport,
            "-p",
            str(probe.port),
            f"@{address}",
            DNS_QUESTION,
        ]
    host = f"[{address}]" if ":" in address else address
    return [
        *prefix,
        "/agnhost",
        "connect",
        f"{host}:{probe.port}",
        f"--timeout={timeout_s}s",
        f"--protocol={probe.protocol.lower()}",
    ]


def classify(done: Completed) -> tuple[bool | None, str]:
    """Allowed (the remote command succeeded), denied (it failed), or None (kubectl failed)."""
    if done.returncode == 0:
        return True, "connected"
    lines = [" ".join(line.split()) for line in f"{done.stderr}\n{done.stdout}".splitlines()]
    said = "; ".join(line for line in lines if line and REMOTE_EXIT not in line)[:200]
    if REMOTE_EXIT in done.stderr:
        return False, said or f"remote exit {done.returncode}"
    return None, f"kubectl failed (exit {done.returncode}): {said}"


def exec_containers(manifests: Sequence[Manifest]) -> dict[str, str]:
    """The container to exec into, per probe pod: its first (every one has agnhost and dig)."""
    return {
        pod_id(doc): str(doc["spec"]["containers"][0]["name"])
        for doc in manifests
        if is_source(doc)
    }


def wait_listening(
    manifests: Sequence[Manifest],
    *,
    run: Runner = run_process,
    kubectl: str = "kubectl",
    tries: int = 30,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Every probe pod answers on each port it serves, over loopback (no policy applies there)."""
    containers = exec_containers(manifests)
    pending = [
        Probe(pod_id(doc), pod_id(doc), port, protocol)
        for doc in manifests
        if is_source(doc)
        for port, protocol in container_ports(doc)
    ]
    for _ in range(tries):
        pending = [
            probe
            for probe in pending
            if run(
                probe_command(probe, "127.0.0.1", containers[probe.source], 1, kubectl)
            ).returncode
        ]
        if not pending:
            return
        sleep(2.0)
    missing = ", ".join(f"{p.source} {p.port}/{p.protocol}" for p in pending[:5])
    raise MeasureError(f"probe pods not listening after {tries} tries: {missing}")


def measure(
    plan: Sequence[Probe],
    manifests: Sequence[Manifest],
    *,
    run: Runner = run_process,
    kubectl: str = "kubectl",
    parallel: int = 8,
    timeout_s: int = 2,
    attempts: int = 2,
) -> list[Outcome]:
    """Run every probe of the plan; outcomes in plan order."""
    listing = run([kubectl, "get", "pods", "--all-namespaces", "-o", "json"])
    if listing.returncode != 0:
        raise MeasureError(f"kubectl get pods failed: {listing.stderr.strip()[:300]}")
    try:
        addresses = pod_addresses(json.loads(listing.stdout), manifests)
    except (json.JSONDecodeError, AttributeError, TypeError) as error:
        raise MeasureError(f"kubectl get pods printed no pod list: {error}") from error
    containers = exec_containers(manifests)

    def one(probe: Probe) -> Outcome:
        if probe.source not in containers:
            return Outcome(probe, None, f"{probe.source} is not a probe pod of the manifests")
        address = addresses.get(probe.target, probe.target if "/" not in probe.target else None)
        if address is None:
            return Outcome(probe, None, f"no running pod found for {probe.target}")
        command = probe_command(probe, address, containers[probe.source], timeout_s, kubectl)
        verdict: bool | None = None
        detail = "not run"
        for _ in range(max(1, attempts)):
            verdict, detail = classify(run(command))
            if verdict:
                break
        return Outcome(probe, verdict, f"{address}: {detail}")

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(one, plan))


def _parse_selector(selector: str) -> dict[str, str]:
    pairs = (part.split("=", 1) for part in selector.split(",") if part.strip())
    return {key.strip(): value.strip() for key, value in pairs}
