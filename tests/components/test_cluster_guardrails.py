"""clusterGuardrails and clusterBaselineDeny: the settings, the args and the ClusterNetworkPolicy
manifests (pure; the resources under mocks are in test_cluster_guardrails_resources.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.args_settings import ArgsError, args_from_settings, settings_from_args
from components.cluster_policies import (
    ADMIN_PRIORITY,
    BASELINE_PRIORITY,
    baseline_deny_name,
    cluster_policies,
    guardrails_name,
)
from components.config_values import SettingsError
from components.manifests import environment_manifests
from components.render import main as render_main
from components.settings import settings_from_config
from kubefacts.cluster_network_policy import MAX_PRIORITY, MIN_PRIORITY
from kubefacts.validation import dns_subdomain_problem
from tests.support.crd_schema import crd_schema, schema_problems
from tests.support.stacks import stack_manifests

CNP = "ClusterNetworkPolicy"
ON = {"clusterGuardrails": "true"}
BOTH = {"clusterGuardrails": "true", "clusterBaselineDeny": "true"}
OTHER_ENVIRONMENTS = {
    "matchExpressions": [
        {"key": "catalyst.dev/environment", "operator": "Exists"},
        {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["NS"]},
    ]
}


def policies(stack: str, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        policy["metadata"]["name"]: policy
        for policy in cluster_policies(settings_from_config(stack, config))
    }


def with_namespace(value: Any, namespace: str) -> Any:
    return json.loads(json.dumps(value).replace('"NS"', json.dumps(namespace)))


@pytest.mark.parametrize("stack", ["pr-123", "dev", "production"])
def test_off_by_default_in_every_tier_so_no_cluster_scoped_object_is_declared(stack: str) -> None:
    settings = settings_from_config(stack, {})
    assert (settings.cluster_guardrails, settings.cluster_baseline_deny) == (False, False)
    assert cluster_policies(settings) == []
    assert {m["kind"] for m in stack_manifests(stack)} <= {
        "Namespace",
        "NetworkPolicy",
        "ResourceQuota",
        "LimitRange",
    }


def test_on_the_admin_guardrails_deny_other_catalyst_environments_both_ways() -> None:
    namespace = "myteam-myproject-pr-123"
    declared = policies("pr-123", ON)
    assert list(declared) == [f"catalyst-guardrails-{namespace}"]
    policy = declared[guardrails_name(namespace)]
    assert policy["apiVersion"] == "policy.networking.k8s.io/v1alpha2"
    assert policy["kind"] == CNP
    assert "namespace" not in policy["metadata"], "cluster-scoped"
    assert policy["spec"] == {
        "tier": "Admin",
        "priority": ADMIN_PRIORITY,
        "subject": {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}},
        "ingress": [
            {
                "name": "deny-from-other-catalyst-environments",
                "action": "Deny",
                "from": [{"namespaces": with_namespace(OTHER_ENVIRONMENTS, namespace)}],
            }
        ],
        "egress": [
            {
                "name": "deny-to-other-catalyst-environments",
                "action": "Deny",
                "to": [{"namespaces": with_namespace(OTHER_ENVIRONMENTS, namespace)}],
            }
        ],
    }


def test_the_admin_rules_only_deny_they_never_accept_or_pass() -> None:
    """Accept would override the namespace's NetworkPolicies; Pass would skip the cluster
    admins' later Admin policies. Everything but crossings must be decided as without them."""
    for policy in policies("production", BOTH).values():
        rules = [*policy["spec"]["ingress"], *policy["spec"]["egress"]]
        assert {rule["action"] for rule in rules} == {"Deny"}
        assert "protocols" not in json.dumps(rules), "every port, every protocol"


def test_the_baseline_deny_closes_the_namespace_when_no_network_policy_isolates_it() -> None:
    namespace = "myteam-myproject-production"
    declared = policies("production", BOTH)
    assert list(declared) == [baseline_deny_name(namespace), guardrails_name(namespace)]
    spec = declared[f"catalyst-baseline-deny-{namespace}"]["spec"]
    assert spec["tier"] == "Baseline" and spec["priority"] == BASELINE_PRIORITY
    assert spec["subject"] == {
        "namespaces": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
    }
    assert spec["ingress"] == [{"name": "deny-all-ingress", "action": "Deny", "from": [
        {"namespaces": {}}
    ]}]  # fmt: skip
    assert spec["egress"] == [{"name": "deny-all-egress", "action": "Deny", "to": [
        {"namespaces": {}}, {"networks": ["0.0.0.0/0", "::/0"]}
    ]}]  # fmt: skip


def test_priorities_leave_room_for_the_cluster_admins_policies_on_both_sides() -> None:
    assert MIN_PRIORITY < ADMIN_PRIORITY < MAX_PRIORITY
    assert ADMIN_PRIORITY - MIN_PRIORITY >= 100, "room for admin policies decided before ours"
    assert MIN_PRIORITY < BASELINE_PRIORITY < MAX_PRIORITY, "not the last value: no tie"


def test_labels_are_the_environments_so_its_objects_can_be_found() -> None:
    for policy in policies("pr-7", BOTH).values():
        assert policy["metadata"]["labels"] == {
            "app.kubernetes.io/managed-by": "pulumi",
            "catalyst.dev/environment": "pr-7",
            "catalyst.dev/project": "myproject",
            "catalyst.dev/team": "myteam",
            "catalyst.dev/tier": "development",
        }


def test_the_selected_labels_are_the_ones_the_namespace_carries() -> None:
    """The peer selects namespaces by a label the environment's Namespace really has."""
    settings = settings_from_config("pr-123", ON)
    namespace = next(m for m in environment_manifests(settings) if m["kind"] == "Namespace")
    labels = namespace["metadata"]["labels"]
    spec = policies("pr-123", ON)[guardrails_name(settings.namespace)]["spec"]
    expressions = spec["ingress"][0]["from"][0]["namespaces"]["matchExpressions"]
    exists = [e["key"] for e in expressions if e["operator"] == "Exists"]
    assert exists and all(key in labels for key in exists)


@pytest.mark.parametrize(
    ("stack", "config"),
    [
        ("pr-123", BOTH),
        ("production", BOTH),
        ("pr-1", {**BOTH, "namespace": "a" * 63}),  # the longest namespace name
        ("pr-1", {**BOTH, "team": "shop", "project": "checkout", "environment": "live"}),
    ],
)
def test_every_manifest_is_valid_for_the_v0_2_0_standard_crd(
    stack: str, config: dict[str, Any]
) -> None:
    schema = crd_schema()
    declared = policies(stack, config)
    assert len(declared) == 2
    for name, policy in declared.items():
        assert schema_problems(policy, schema) == [], name
        assert dns_subdomain_problem(name) is None, name


def test_two_environments_never_share_a_name_and_one_name_says_whose_it_is() -> None:
    names = [
        name
        for stack, extra in [
            ("pr-1", {}),
            ("pr-12", {}),
            ("pr-1", {"team": "other"}),
            ("production", {}),
            ("pr-1", {"namespace": "baseline-deny-x"}),
            ("pr-1", {"namespace": "x"}),
        ]
        for name in policies(stack, {**BOTH, **extra})
    ]
    assert len(names) == len(set(names)) == 12
    assert guardrails_name("x") == "catalyst-guardrails-x"
    assert baseline_deny_name("x") == "catalyst-baseline-deny-x"
    assert guardrails_name("baseline-deny-x") != baseline_deny_name("x")


def test_the_policies_are_deterministic_and_share_nothing() -> None:
    first = cluster_policies(settings_from_config("pr-123", BOTH))
    second = cluster_policies(settings_from_config("pr-123", BOTH))
    assert json.dumps(first, sort_keys=False) == json.dumps(second, sort_keys=False)
    for policy in first:
        policy["spec"]["ingress"][0]["from"][0]["namespaces"]["mutated"] = True
        assert "mutated" not in json.dumps(policy["spec"]["egress"]), "no dict shared in one"
    assert first != second
    assert cluster_policies(settings_from_config("pr-123", BOTH)) == second


def test_environment_manifests_end_with_the_cluster_policies_when_on() -> None:
    off = environment_manifests(settings_from_config("pr-123", {}))
    on = environment_manifests(settings_from_config("pr-123", BOTH))
    assert on[: len(off)] == off
    assert [m["kind"] for m in on[len(off) :]] == [CNP, CNP]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"clusterGuardrails": "yes"},
            'config catalyst-environments:clusterGuardrails: "yes": allowed: true or false',
        ),
        (
            {"clusterGuardrails": "auto"},
            'config catalyst-environments:clusterGuardrails: "auto": allowed: true or false',
        ),
        (
            {"clusterBaselineDeny": "TRUE"},
            'config catalyst-environments:clusterBaselineDeny: "TRUE": allowed: true or false',
        ),
        (
            {"clusterBaselineDeny": "true"},
            "config catalyst-environments:clusterBaselineDeny: true: only with "
            "clusterGuardrails: true",
        ),
        (
            {"clusterBaselineDeny": True, "clusterGuardrails": "false"},
            "config catalyst-environments:clusterBaselineDeny: true: only with "
            "clusterGuardrails: true",
        ),
    ],
)
def test_a_bad_value_is_one_message_naming_the_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_config("pr-1", config)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("true", True), ("false", False), (True, True), (False, False), (None, False)],
)
def test_the_cli_strings_and_booleans_mean_the_same(given: object, expected: bool) -> None:
    config = {} if given is None else {"clusterGuardrails": given}
    assert settings_from_config("pr-1", config).cluster_guardrails is expected


def test_args_take_booleans_and_give_the_same_settings_as_config() -> None:
    args = {"tier": "development", "cluster_guardrails": True, "cluster_baseline_deny": True}
    settings = settings_from_args(args, stack="pr-5", resource="env")
    assert settings == settings_from_config("pr-5", BOTH)
    assert args_from_settings(settings)["cluster_guardrails"] is True
    assert args_from_settings(settings)["cluster_baseline_deny"] is True
    assert settings_from_args(args_from_settings(settings), stack="pr-5", resource="x") == settings


def test_bad_args_name_the_python_field_and_the_schema_key() -> None:
    with pytest.raises(ArgsError) as caught:
        settings_from_args(
            {"tier": "production", "cluster_baseline_deny": True}, stack="p", resource="live"
        )
    assert str(caught.value).startswith(
        "EnvironmentNamespace live: args.cluster_baseline_deny (clusterBaselineDeny): true: "
        "only with clusterGuardrails: true"
    )


def render_pr_1(project: Path, out: Path, value: str) -> int:
    (project / "Pulumi.pr-1.yaml").write_text(
        f"config:\n  catalyst-environments:clusterGuardrails: {value}\n"
    )
    return render_main(
        ["render", "--project-dir", str(project), "--stack", "pr-1", "--out", str(out)]
    )


@pytest.mark.parametrize("value", ["yes", "on", "1", "''"])
def test_render_refuses_a_stack_value_that_is_no_boolean_as_the_cli_does(
    value: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """yes and on are strings to the CLI's YAML (yaml.v3), 1 an integer: each is refused against
    the declared `type: boolean`, before anything is written."""
    out = tmp_path / "out"
    assert render_pr_1(project, out, value) == 2
    assert capsys.readouterr().err == (
        "render: error: Stack 'pr-1' with configuration key 'clusterGuardrails' must be of type "
        "'boolean'\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("value", ["true", "TRUE", '"true"'])
def test_render_takes_what_the_cli_passes_as_true(
    value: str, project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert render_pr_1(project, out, value) == 0
    assert (out / "clusternetworkpolicy-catalyst-guardrails-myteam-myproject-pr-1.yaml").is_file()
