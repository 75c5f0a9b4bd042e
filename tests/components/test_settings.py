"""Settings: tiers, names, defaults, overrides, and one clear error for every bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from components.settings import (
    CONFIG_KEYS,
    Database,
    EgressRule,
    LimitRange,
    PortRule,
    Quota,
    SettingsError,
    settings_from_config,
)

REGISTRY = EgressRule(
    name="registry",
    cidr="0.0.0.0/0",
    except_cidrs=("10.0.0.0/8", "169.254.169.254/32", "172.16.0.0/12", "192.168.0.0/16"),
    ports=(PortRule(port=443, protocol="TCP"),),
)
POSTGRES = {
    "name": "postgres",
    "podLabels": {"app": "postgres"},
    "port": 5432,
    "clientLabels": {"db-access": "true"},
}


def test_pr_stack_with_no_config_is_a_development_environment_named_after_the_stack() -> None:
    settings = settings_from_config("pr-123", {})
    assert settings.tier == "development"
    assert settings.environment == "pr-123"
    assert settings.namespace == "myteam-myproject-pr-123"
    assert (settings.team, settings.project) == ("myteam", "myproject")
    assert settings.protect is False
    assert settings.allow_same_namespace is True
    assert settings.pod_security == "baseline"
    assert settings.ingress_namespace == "ingress-nginx"
    assert settings.dns_namespace == "kube-system"
    assert settings.dns_pod_labels == (("k8s-app", "kube-dns"),)
    assert settings.egress == (REGISTRY,)
    assert settings.databases == ()
    # The development cost cap (issue 11; tests/test_settings_cost_cap.py).
    assert settings.quota is not None
    assert settings.limit_range is not None


def test_production_stack_is_protected_and_closes_the_namespace_by_default() -> None:
    settings = settings_from_config("production", {})
    assert settings.tier == "production"
    assert settings.namespace == "myteam-myproject-production"
    assert settings.protect is True
    assert settings.allow_same_namespace is False


def test_only_the_stack_named_production_is_production() -> None:
    assert settings_from_config("production-copy", {}).tier == "development"
    assert settings_from_config("dev", {}).tier == "development"


def test_environment_and_namespace_overrides() -> None:
    settings = settings_from_config("pr-7", {"environment": "review", "team": "web"})
    assert settings.environment == "review"
    assert settings.namespace == "web-myproject-review"
    override = settings_from_config("pr-7", {"namespace": "custom-ns"})
    assert override.namespace == "custom-ns"
    assert override.environment == "pr-7"


def test_environment_override_does_not_change_the_tier() -> None:
    assert settings_from_config("production", {"environment": "prod"}).tier == "production"
    assert settings_from_config("pr-1", {"environment": "production"}).tier == "development"


@pytest.mark.parametrize(
    ("stack", "value", "expected"),
    [
        ("production", "false", False),
        ("production", False, False),
        ("pr-1", "true", True),
        ("pr-1", True, True),
        ("pr-1", "auto", False),
        ("production", "auto", True),
        ("production", "", True),
    ],
)
def test_protect_override(stack: str, value: object, expected: bool) -> None:
    assert settings_from_config(stack, {"protect": value}).protect is expected


@pytest.mark.parametrize(
    ("stack", "value", "expected"),
    [
        ("production", "true", True),
        ("pr-1", "false", False),
        ("pr-1", False, False),
        ("pr-1", "auto", True),
        ("production", "auto", False),
    ],
)
def test_allow_same_namespace_override(stack: str, value: object, expected: bool) -> None:
    assert (
        settings_from_config(stack, {"allowSameNamespace": value}).allow_same_namespace is expected
    )


def test_cli_strings_and_python_values_give_the_same_settings() -> None:
    python_values: dict[str, Any] = {
        "databases": [POSTGRES],
        "dnsPodLabels": {"k8s-app": "coredns"},
        "egress": [{"name": "api", "cidr": "203.0.113.0/24", "ports": [{"port": 8443}]}],
        "quota": {"pods": 20, "requests.cpu": "4"},
        "limitRange": {"default": {"cpu": "500m"}},
        "protect": True,
    }
    cli_strings = {
        key: json.dumps(value) if not isinstance(value, bool) else str(value).lower()
        for key, value in python_values.items()
    }
    assert settings_from_config("pr-1", cli_strings) == settings_from_config("pr-1", python_values)


def test_structured_values_are_parsed_into_immutable_values() -> None:
    settings = settings_from_config(
        "production",
        {
            "databases": [POSTGRES],
            "egress": [
                {
                    "name": "partners",
                    "cidr": "2001:db8::/32",
                    "except": ["2001:db8:ff::/48"],
                    "ports": [
                        {"port": 9000, "endPort": 9100, "protocol": "UDP"},
                        {"port": 443},
                    ],
                },
            ],
            "quota": {"pods": 20, "requests.memory": "8Gi"},
            "limitRange": {"max": {"memory": "1Gi"}, "defaultRequest": {"cpu": "100m"}},
        },
    )
    assert settings.databases == (
        Database(
            name="postgres",
            pod_labels=(("app", "postgres"),),
            port=5432,
            client_labels=(("db-access", "true"),),
        ),
    )
    assert settings.egress == (
        EgressRule(
            name="partners",
            cidr="2001:db8::/32",
            except_cidrs=("2001:db8:ff::/48",),
            ports=(PortRule(port=443), PortRule(port=9000, protocol="UDP", end_port=9100)),
        ),
    )
    assert settings.quota == Quota(hard=(("pods", "20"), ("requests.memory", "8Gi")))
    assert settings.limit_range == LimitRange(
        limits=(("defaultRequest", (("cpu", "100m"),)), ("max", (("memory", "1Gi"),)))
    )
    with pytest.raises(AttributeError):
        settings.namespace = "other"  # type: ignore[misc]


def test_entries_come_out_sorted_by_name_whatever_the_config_order() -> None:
    entries = [
        {"name": "zeta", "cidr": "198.51.100.0/24"},
        {"name": "alpha", "cidr": "203.0.113.0/24"},
    ]
    forward = settings_from_config("pr-1", {"egress": entries})
    backward = settings_from_config("pr-1", {"egress": entries[::-1]})
    assert [rule.name for rule in forward.egress] == ["alpha", "zeta"]
    assert forward == backward


def test_empty_lists_and_maps_mean_none() -> None:
    settings = settings_from_config("pr-1", {"egress": "[]", "quota": "{}", "limitRange": {}})
    assert settings.egress == ()
    assert settings.quota is None
    assert settings.limit_range is None


def test_a_63_character_namespace_is_accepted() -> None:
    team = "t" * (63 - len("-myproject-pr-1"))
    assert len(settings_from_config("pr-1", {"team": team}).namespace) == 63


BAD_INPUTS: list[tuple[str, dict[str, Any], str, str]] = [
    # (stack, config, the key the message must name, a fragment of what is allowed)
    ("pr-1", {"team": "Bad_Team!"}, "team", "DNS-1123 label"),
    ("pr-1", {"team": "a" * 70}, "team", "70 characters is too long"),
    ("pr-1", {"team": ""}, "team", "DNS-1123 label"),
    ("pr-1", {"team": 5}, "team", "must be a string"),
    ("pr-1", {"project": "-project"}, "project", "DNS-1123 label"),
    ("pr-1", {"environment": "PR.1"}, "environment", "DNS-1123 label"),
    ("Dev_Stack", {}, "environment", "the stack name is the environment id"),
    ("pr-1", {"namespace": "a" * 64}, "namespace", "64 characters is too long"),
    ("pr-1", {"team": "t" * 40, "project": "p" * 20}, "namespace", "shorten team, project"),
    ("pr-1", {"ingressNamespace": "Ingress"}, "ingressNamespace", "DNS-1123 label"),
    ("pr-1", {"dnsNamespace": "kube_system"}, "dnsNamespace", "DNS-1123 label"),
    ("pr-1", {"podSecurity": "strict"}, "podSecurity", "privileged, baseline, restricted"),
    ("pr-1", {"protect": "yes"}, "protect", "true, false or auto"),
    ("pr-1", {"allowSameNamespace": 1}, "allowSameNamespace", "true, false or auto"),
    ("pr-1", {"teams": "web"}, "teams", "unknown key"),
    ("pr-1", {"dnsPodLabels": {}}, "dnsPodLabels", "non-empty map"),
    ("pr-1", {"dnsPodLabels": {"bad key": "x"}}, "dnsPodLabels", "label key"),
    ("pr-1", {"dnsPodLabels": {"k8s-app": "kube dns"}}, "dnsPodLabels.k8s-app", "label value"),
    ("pr-1", {"dnsPodLabels": {"k8s-app": "x" * 64}}, "dnsPodLabels.k8s-app", "too long"),
    ("pr-1", {"dnsPodLabels": {"k8s-app": True}}, "dnsPodLabels.k8s-app", "quote it"),
    ("pr-1", {"dnsPodLabels": {f"{'a' * 254}/app": "x"}}, "dnsPodLabels", "label key"),
    ("pr-1", {"dnsPodLabels": {"a" * 64: "x"}}, "dnsPodLabels", "label key"),
    ("pr-1", {"dnsPodLabels": "k8s-app=kube-dns"}, "dnsPodLabels", "structured value"),
    ("pr-1", {"egress": {"name": "x"}}, "egress", "must be a list"),
    ("pr-1", {"egress": ["registry"]}, "egress[0]", "must be a map"),
    ("pr-1", {"egress": [{"cidr": "10.0.0.0/8"}]}, "egress[0].name", "missing"),
    ("pr-1", {"egress": [{"name": "Bad", "cidr": "10.0.0.0/8"}]}, "egress[0].name", "DNS-1123"),
    ("pr-1", {"egress": [{"name": "x"}]}, "egress[0].cidr", "missing"),
    ("pr-1", {"egress": [{"name": "x", "cidr": "10.0.0.300/8"}]}, "egress[0].cidr", "IPv4 or IPv6"),
    ("pr-1", {"egress": [{"name": "x", "cidr": "10.0.0.0/33"}]}, "egress[0].cidr", "IPv4 or IPv6"),
    ("pr-1", {"egress": [{"name": "x", "cidr": "10.1.2.3"}]}, "egress[0].cidr", "IPv4 or IPv6"),
    ("pr-1", {"egress": [{"name": "x", "cidr": "2001:db8::g/32"}]}, "egress[0].cidr", "IPv6"),
    ("pr-1", {"egress": [{"name": "x", "cidr": "10.0.0.1/8"}]}, "egress[0].cidr", "10.0.0.0/8"),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}]},
        "egress[0].except[0]",
        "strict subset",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}]},
        "egress[0].except[0]",
        "strict subset",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "0.0.0.0/0", "except": ["::1/128"]}]},
        "egress[0].except[0]",
        "strict subset",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "except": ["10.0.0.999/32"]}]},
        "egress[0].except[0]",
        "IPv4 or IPv6",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 70000}]}]},
        "egress[0].ports[0].port",
        "1-65535",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 0}]}]},
        "egress[0].ports[0].port",
        "1-65535",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": "https"}]}]},
        "egress[0].ports[0].port",
        "integer",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"protocol": "TCP"}]}]},
        "egress[0].ports[0].port",
        "missing",
    ),
    (
        "pr-1",
        {
            "egress": [
                {"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 1, "protocol": "ICMP"}]}
            ]
        },
        "egress[0].ports[0].protocol",
        "TCP, UDP, SCTP",
    ),
    (
        "pr-1",
        {
            "egress": [
                {"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 1, "protocol": "tcp"}]}
            ]
        },
        "egress[0].ports[0].protocol",
        "TCP, UDP, SCTP",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 9000, "endPort": 80}]}]},
        "egress[0].ports[0].endPort",
        "at least the port (9000)",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 1, "endPort": 65536}]}]},
        "egress[0].ports[0].endPort",
        "1-65535",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 1, "endport": 2}]}]},
        "egress[0].ports[0].endport",
        "unknown field",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8", "exclude": ["10.1.0.0/16"]}]},
        "egress[0].exclude",
        "unknown field",
    ),
    (
        "pr-1",
        {"egress": [{"name": "x", "cidr": "10.0.0.0/8"}, {"name": "x", "cidr": "10.0.0.0/8"}]},
        "egress[1].name",
        "duplicate",
    ),
    ("pr-1", {"databases": [{**POSTGRES, "port": None}]}, "databases[0].port", "missing"),
    (
        "pr-1",
        {"databases": [{k: v for k, v in POSTGRES.items() if k != "port"}]},
        "databases[0].port",
        "needs the port",
    ),
    ("pr-1", {"databases": [{**POSTGRES, "port": 99999}]}, "databases[0].port", "1-65535"),
    ("pr-1", {"databases": [{**POSTGRES, "port": True}]}, "databases[0].port", "1-65535"),
    (
        "pr-1",
        {"databases": [{k: v for k, v in POSTGRES.items() if k != "podLabels"}]},
        "databases[0].podLabels",
        "missing",
    ),
    ("pr-1", {"databases": [{**POSTGRES, "podLabels": {}}]}, "databases[0].podLabels", "non-empty"),
    (
        "pr-1",
        {"databases": [{k: v for k, v in POSTGRES.items() if k != "clientLabels"}]},
        "databases[0].clientLabels",
        "missing",
    ),
    (
        "pr-1",
        {"databases": [{**POSTGRES, "clientLabels": {}}]},
        "databases[0].clientLabels",
        "non-empty",
    ),
    (
        "pr-1",
        {"databases": [{**POSTGRES, "clientLabels": {"db-access": True}}]},
        "databases[0].clientLabels.db-access",
        "quote it",
    ),
    ("pr-1", {"databases": [{**POSTGRES, "name": "Postgres"}]}, "databases[0].name", "DNS-1123"),
    (
        "pr-1",
        {"databases": [{**POSTGRES, "protocol": "UDP"}]},
        "databases[0].protocol",
        "unknown field",
    ),
    ("pr-1", {"databases": [POSTGRES, POSTGRES]}, "databases[1].name", "duplicate"),
    ("pr-1", {"quota": {"requests.cpu": "four"}}, "quota.requests.cpu", "quantity"),
    ("pr-1", {"quota": {"bad resource": "1"}}, "quota", "resource name"),
    ("pr-1", {"quota": ["pods"]}, "quota", "map of resource names"),
    ("pr-1", {"limitRange": {"maximum": {"cpu": "1"}}}, "limitRange.maximum", "unknown field"),
    ("pr-1", {"limitRange": {"max": {"cpu": "1 core"}}}, "limitRange.max.cpu", "quantity"),
]


@pytest.mark.parametrize(
    ("stack", "config", "key", "allowed"),
    BAD_INPUTS,
    ids=[f"{case[2]}-{index}" for index, case in enumerate(BAD_INPUTS)],
)
def test_bad_input_fails_with_one_message_naming_key_value_and_what_is_allowed(
    stack: str, config: dict[str, Any], key: str, allowed: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_config(stack, config)
    error = caught.value
    assert error.key == key
    message = str(error)
    assert message.startswith(f"config catalyst-environments:{key}: ")
    assert allowed in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("config", "shown"),
    [
        ({"team": "Bad_Team!"}, '"Bad_Team!"'),
        ({"egress": [{"name": "x", "cidr": "10.0.0.300/8"}]}, '"10.0.0.300/8"'),
        ({"egress": [{"name": "x", "cidr": "10.0.0.0/8", "ports": [{"port": 70000}]}]}, "70000"),
        ({"team": "a" * 70}, f'"{"a" * 70}"'),
    ],
)
def test_the_message_shows_the_bad_value_as_written(config: dict[str, Any], shown: str) -> None:
    with pytest.raises(SettingsError, match=f": {shown}: "):
        settings_from_config("pr-1", config)


def test_unknown_key_message_lists_the_known_keys() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_config("pr-1", {"allowSamenamespace": "false"})
    assert all(key in str(caught.value) for key in CONFIG_KEYS)


def test_a_settings_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="catalyst-environments:team"):
        settings_from_config("pr-1", {"team": "UPPER"})


LABEL_NAME = st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?", fullmatch=True)


# No deadline: an example takes ~1 ms, but it once took over hypothesis's 200 ms under load
# (a shared machine), which failed the suite; whether settings are fast is not the question.
@hypothesis_settings(deadline=None)
@given(key=LABEL_NAME, value=st.one_of(st.just(""), LABEL_NAME))
def test_every_label_kubernetes_accepts_is_accepted(key: str, value: str) -> None:
    settings = settings_from_config("pr-1", {"dnsPodLabels": {f"example.com/{key}": value}})
    assert settings.dns_pod_labels == ((f"example.com/{key}", value),)


@given(value=st.text(min_size=1, max_size=80))
def test_a_team_is_accepted_exactly_when_it_is_a_dns_label(value: str) -> None:
    is_label = (
        len(value) <= 63
        and value[0] in "abcdefghijklmnopqrstuvwxyz0123456789"
        and value[-1] in "abcdefghijklmnopqrstuvwxyz0123456789"
        and all(char in "abcdefghijklmnopqrstuvwxyz0123456789-" for char in value)
    )
    short = value[:20]
    try:
        settings_from_config("p", {"team": value, "namespace": "ns"})
    except SettingsError as error:
        assert not is_label, error
        assert error.key == "team"
    else:
        assert is_label, short
