"""Running probes through kubectl, with a fake kubectl: commands, verdicts, retries, addresses."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from e2e.measure import (
    Completed,
    MeasureError,
    classify,
    measure,
    pod_addresses,
    probe_command,
    wait_listening,
)
from e2e.plan import Probe
from e2e.probes import APP_PORTS, Layout, dns_stand_in, probe_pod

WEB = probe_pod("dev", "probe-web", {"app": "web"}, APP_PORTS)
DB = probe_pod("dev", "probe-postgres", {"app": "postgres"}, APP_PORTS)
STAND_IN = dns_stand_in(Layout())
MANIFESTS = [WEB, DB, STAND_IN]


def live_pod(
    namespace: str, name: str, ip: str, labels: dict[str, str] | None = None, phase: str = "Running"
) -> dict[str, Any]:
    return {
        "metadata": {"namespace": namespace, "name": name, "labels": labels or {}},
        "status": {"phase": phase, "podIP": ip},
    }


POD_LIST = {
    "items": [
        live_pod("dev", "probe-web", "10.244.0.5"),
        live_pod("dev", "probe-postgres", "10.244.0.6"),
        live_pod("kube-system", "coredns-b", "10.244.0.3", {"k8s-app": "kube-dns"}),
        live_pod("kube-system", "coredns-a", "10.244.0.2", {"k8s-app": "kube-dns"}),
        live_pod("kube-system", "coredns-0", "10.244.0.9", {"k8s-app": "kube-dns"}, "Pending"),
        live_pod("kube-system", "etcd", "172.18.0.2", {"component": "etcd"}),
    ]
}


class FakeKubectl:
    """Answers ``get pods`` with POD_LIST and exec with scripted results, recording every call."""

    def __init__(self, answer: Callable[[list[str]], Completed]) -> None:
        self.answer = answer
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> Completed:
        call = list(argv)
        self.calls.append(call)
        if call[1:3] == ["get", "pods"]:
            return Completed(0, json.dumps(POD_LIST), "")
        return self.answer(call)


def denied(detail: str = "TIMEOUT") -> Completed:
    return Completed(1, "", f"{detail}\ncommand terminated with exit code 1\n")


def test_addresses_come_from_the_live_pods_and_stand_ins_from_their_selector() -> None:
    assert pod_addresses(POD_LIST, MANIFESTS) == {
        "dev/probe-web": "10.244.0.5",
        "dev/probe-postgres": "10.244.0.6",
        "kube-system/cluster-dns": "10.244.0.2",  # first running kube-dns pod by name
    }
    assert pod_addresses({"items": []}, MANIFESTS) == {}


def test_connect_probes_use_agnhost_like_the_upstream_netpol_tests() -> None:
    tcp = probe_command(
        Probe("dev/probe-web", "dev/probe-postgres", 5432), "10.244.0.6", "serve-8080-tcp", 2
    )
    assert tcp == [
        "kubectl", "exec", "-n", "dev", "probe-web", "-c", "serve-8080-tcp", "--",
        "/agnhost", "connect", "10.244.0.6:5432", "--timeout=2s", "--protocol=tcp",
    ]  # fmt: skip
    udp = probe_command(Probe("dev/probe-web", "x", 8081, "UDP"), "fd00::5", "c", 3)
    assert udp[-3:] == ["[fd00::5]:8081", "--timeout=3s", "--protocol=udp"]


def test_dns_probes_ask_a_real_question_over_the_right_transport() -> None:
    udp = probe_command(
        Probe("dev/probe-web", "kube-system/cluster-dns", 53, "UDP", "dns"), "10.244.0.2", "c", 2
    )
    assert udp[udp.index("--") + 1:] == [
        "dig", "+time=2", "+tries=1", "+notcp", "-p", "53", "@10.244.0.2",
        "kubernetes.default.svc.cluster.local",
    ]  # fmt: skip
    tcp = probe_command(
        Probe("dev/probe-web", "kube-system/cluster-dns", 53, "TCP", "dns"), "10.244.0.2", "c", 2
    )
    assert "+tcp" in tcp


@pytest.mark.parametrize(
    ("done", "verdict", "detail"),
    [
        (Completed(0, "", ""), True, "connected"),
        (denied("TIMEOUT"), False, "TIMEOUT"),
        (denied("REFUSED"), False, "REFUSED"),
        (
            Completed(
                9,
                ";; connection timed out; no servers could be reached\n",
                "command terminated with exit code 9\n",
            ),
            False,
            "connection timed out",
        ),
        (
            Completed(1, "", "error: unable to upgrade connection: container not found\n"),
            None,
            "kubectl failed",
        ),
        (Completed(124, "", "timed out after 60s"), None, "kubectl failed"),
    ],
)
def test_classify(done: Completed, verdict: bool | None, detail: str) -> None:
    got, said = classify(done)
    assert got is verdict and detail in said


def test_a_denial_is_retried_and_one_success_is_enough() -> None:
    answers = iter([denied(), Completed(0, "", "")])
    kubectl = FakeKubectl(lambda call: next(answers))
    (outcome,) = measure(
        [Probe("dev/probe-web", "dev/probe-postgres", 5432)],
        MANIFESTS,
        run=kubectl,
        attempts=2,
        parallel=1,
    )
    assert outcome.allowed is True and outcome.detail == "10.244.0.6: connected"
    assert sum(1 for call in kubectl.calls if "exec" in call) == 2


def test_a_denial_stands_after_every_attempt_failed() -> None:
    kubectl = FakeKubectl(lambda call: denied())
    (outcome,) = measure(
        [Probe("dev/probe-web", "dev/probe-postgres", 5432)],
        MANIFESTS,
        run=kubectl,
        attempts=3,
        parallel=1,
    )
    assert outcome.allowed is False and "TIMEOUT" in outcome.detail
    assert sum(1 for call in kubectl.calls if "exec" in call) == 3


def test_kubectl_failures_and_missing_pods_are_not_measured_rather_than_denied() -> None:
    kubectl = FakeKubectl(lambda call: Completed(1, "", "error: pods not found"))
    plan = [
        Probe("dev/probe-web", "dev/probe-postgres", 5432),
        Probe("dev/probe-web", "dev/gone", 80),
        Probe("dev/not-a-probe", "dev/probe-web", 80),
    ]
    outcomes = measure(plan, MANIFESTS, run=kubectl, parallel=2)
    assert [o.allowed for o in outcomes] == [None, None, None]
    assert "kubectl failed" in outcomes[0].detail
    assert "no running pod found for dev/gone" in outcomes[1].detail
    assert "not a probe pod" in outcomes[2].detail


def test_externals_are_probed_at_their_own_address_and_dns_at_the_real_pod() -> None:
    kubectl = FakeKubectl(lambda call: Completed(0, "", ""))
    plan = [
        Probe("dev/probe-web", "1.1.1.1", 443),
        Probe("dev/probe-web", "kube-system/cluster-dns", 53, "UDP", "dns"),
    ]
    outcomes = measure(plan, MANIFESTS, run=kubectl)
    assert [o.allowed for o in outcomes] == [True, True]
    execs = [call for call in kubectl.calls if "exec" in call]
    assert any("1.1.1.1:443" in call for call in execs)
    assert any("@10.244.0.2" in call for call in execs)


def test_measure_refuses_to_run_without_a_pod_list() -> None:
    def broken(argv: Sequence[str]) -> Completed:
        return Completed(1, "", "The connection to the server was refused")

    with pytest.raises(MeasureError, match="kubectl get pods failed"):
        measure([], MANIFESTS, run=broken)


def test_probe_pods_must_answer_on_loopback_before_probing() -> None:
    calls: list[list[str]] = []
    first_round = {"done": False}

    def run(argv: Sequence[str]) -> Completed:
        calls.append(list(argv))
        return Completed(0 if first_round["done"] else 1, "", "")

    def sleep(_: float) -> None:
        first_round["done"] = True

    wait_listening(MANIFESTS, run=run, sleep=sleep)
    loopback = {call[call.index("connect") + 1] for call in calls}
    assert loopback == {"127.0.0.1:8080", "127.0.0.1:5432", "127.0.0.1:8081"}
    assert len(calls) == 2 * 2 * len(APP_PORTS), "two pods, all ports, two rounds"

    with pytest.raises(MeasureError, match="not listening"):
        wait_listening(
            MANIFESTS, run=lambda argv: Completed(1, "", ""), tries=2, sleep=lambda _: None
        )
