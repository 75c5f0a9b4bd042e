"""The Kind workflow's guardrails job: a CNI that enforces ClusterNetworkPolicy, the CRD of the
release the guardrails are written for, the guardrails on, allow-all in both pull requests, the
measured matrix against the prediction, and a teardown that leaves no ClusterNetworkPolicy."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubefacts.cluster_network_policy import CLUSTER_NETWORK_POLICY_CRD, NETWORK_POLICY_API_RELEASE
from tests.support.crd_schema import SAFE_LOADER
from tests.support.paths import DATA
from tests.workflows.test_workflows import load, run_step, step

CRD_FILE = DATA / "network-policy-api" / "policy.networking.k8s.io_clusternetworkpolicies.yaml"


@pytest.fixture(scope="module")
def job() -> dict[str, Any]:
    return load("e2e-kind.yml")["jobs"]["kind-guardrails"]


def names(job: dict[str, Any]) -> list[str]:
    return [str(s.get("name", "")) for s in job["steps"]]


def index(job: dict[str, Any], start: str) -> int:
    return next(i for i, name in enumerate(names(job)) if name.startswith(start))


def test_the_crd_is_the_standard_one_of_the_release_the_guardrails_are_written_for(
    job: dict[str, Any],
) -> None:
    url = job["env"]["CNP_CRD_URL"]
    assert url == (
        "https://raw.githubusercontent.com/kubernetes-sigs/network-policy-api/"
        f"{NETWORK_POLICY_API_RELEASE}/config/crd/standard/{CRD_FILE.name}"
    )
    assert (
        yaml.load(CRD_FILE.read_text(), Loader=SAFE_LOADER)["metadata"]["annotations"][
            "policy.networking.k8s.io/bundle-version"
        ]
        == NETWORK_POLICY_API_RELEASE
    )
    crd = step(job, "ClusterNetworkPolicy CRD")["run"]
    assert '"$CNP_CRD_URL"' in crd and f"crd/{CLUSTER_NETWORK_POLICY_CRD}" in crd


def test_kube_network_policies_is_pinned_to_a_release_tag_and_is_the_only_enforcer(
    job: dict[str, Any],
) -> None:
    url = job["env"]["KNP_INSTALL_URL"]
    assert re.fullmatch(
        r"https://raw\.githubusercontent\.com/kubernetes-sigs/kube-network-policies/"
        r"v\d+\.\d+\.\d+/install-cnp\.yaml",
        url,
    ), "a tag, not main"
    assert re.fullmatch(
        r"docker\.io/kindest/kindnetd:v\d{8}-[0-9a-f]+", job["env"]["KINDNET_IMAGE"]
    ), "a pinned kindnetd from before it enforced NetworkPolicy"
    assert index(job, "kindnet stops enforcing") < index(job, "kube-network-policies enforces")
    assert index(job, "kube-network-policies enforces") < index(job, "pulumi up")
    assert index(job, "ClusterNetworkPolicy CRD") < index(job, "pulumi up")


def test_the_guardrails_are_on_in_every_stack_before_up_and_render(job: dict[str, Any]) -> None:
    on = step(job, "Turn the guardrails on")["run"]
    assert "for stack in $PR_STACKS production; do" in on
    for key in ("clusterGuardrails", "clusterBaselineDeny"):
        assert f'pulumi config set --stack "$stack" --type bool {key} true' in on
    assert index(job, "Turn the guardrails on") < index(job, "pulumi up")
    assert index(job, "pulumi up") < index(job, "Render the same stacks")
    assert "--policy-pack policy" in step(job, "pulumi up")["run"]


def test_allow_all_is_planned_predicted_applied_and_measured(job: dict[str, Any]) -> None:
    plan = step(job, "Plan the probes")["run"]
    assert 'hostile+=(--allow-all "$(pulumi stack output namespace --stack "$stack")")' in plan
    assert "for stack in $PR_STACKS; do" in plan and '"${hostile[@]}"' in plan
    predict = step(job, "Predict with reachability")["run"]
    assert '-f "$E2E_DIR/probe/manifests"' in predict, "the prediction reads allow-all.yaml"
    deploy = step(job, "Deploy the probe pods and the hostile")["run"]
    assert 'kubectl apply -f "$E2E_DIR/probe/manifests/allow-all.yaml"' in deploy
    assert index(job, "Predict with reachability") < index(job, "Deploy the probe pods")
    assert index(job, "Deploy the probe pods") < index(job, "Measure the real matrix")
    assert "e2e compare" in step(job, "Compare measured with predicted")["run"]


def test_teardown_always_runs_and_checks_the_cluster_policies_are_gone(
    job: dict[str, Any],
) -> None:
    for final in ("Tear down", "The namespaces are gone", "The ClusterNetworkPolicies are gone"):
        assert step(job, final)["if"] == "${{ always() }}"
    teardown = step(job, "Tear down")["run"]
    assert teardown.count("bash e2e/teardown-stack.sh") == 2
    assert "kubectl delete namespace -l catalyst.dev/environment=pr-202" in teardown
    assert "pulumi destroy --stack production" in teardown
    assert names(job)[-1].startswith("The ClusterNetworkPolicies are gone")
    assert job["permissions"] == {"contents": "read"}
    assert "secrets." not in yaml.safe_dump(job), "the e2e job needs no secret"


FAKE_KUBECTL = """#!/usr/bin/env bash
# get clusternetworkpolicy NAME: found when NAME is in $LEFT; the labelled list prints $LEFT.
if [ "$1 $2" = "get clusternetworkpolicy" ]; then
  for name in $LEFT; do [ "$name" = "$3" ] && exit 0; done
  exit 1
fi
if [ "$1 $2" = "get clusternetworkpolicies" ]; then
  for name in $LEFT; do echo "clusternetworkpolicy.policy.networking.k8s.io/$name"; done
  exit 0
fi
exit 2
"""


@pytest.mark.parametrize(
    ("listed", "left", "status", "message"),
    [
        ("catalyst-guardrails-a\ncatalyst-guardrails-b\n", "", 0, ""),
        ("catalyst-guardrails-a\ncatalyst-guardrails-b\n", "catalyst-guardrails-b", 1,
         "ClusterNetworkPolicy catalyst-guardrails-b still exists after teardown"),
        ("catalyst-guardrails-a\n", "someone-elses", 1, "managed by Pulumi are left"),
        ("", "", 1, "no ClusterNetworkPolicy in cluster-policies.txt"),
    ],
)  # fmt: skip
def test_the_cluster_policies_gone_step_fails_on_any_left(
    job: dict[str, Any], tmp_path: Path, listed: str, left: str, status: int, message: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "cluster-policies.txt").write_text(listed)
    result = run_step(
        step(job, "The ClusterNetworkPolicies are gone")["run"],
        {"E2E_DIR": str(tmp_path), "LEFT": left, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        tmp_path,
    )
    assert result.returncode == status, result.stdout + result.stderr
    assert message in result.stdout
