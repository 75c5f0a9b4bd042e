"""Values the API server would reject are refused before anything renders, and error messages
never echo a huge value whole."""

from __future__ import annotations

import pytest

from components.config_values import SettingsError
from components.settings import settings_from_config


@pytest.mark.parametrize(
    ("config", "key", "what"),
    [
        ({"egress": [{"name": "x", "cidr": "fe80::%eth0/64"}]}, "egress[0].cidr", "zone"),
        (
            {"egress": [{"name": "x", "cidr": "fe80::/10", "except": ["fe80::%1/64"]}]},
            "egress[0].except[0]",
            "zone",
        ),
        ({"quota": {"pods": "-5"}}, "quota.pods", "negative"),
        ({"quota": {"requests.cpu": "-0.5"}}, "quota.requests.cpu", "negative"),
        ({"quota": {"pods": -5}}, "quota.pods", "negative"),
        ({"limitRange": {"max": {"cpu": "-1"}}}, "limitRange.max.cpu", "negative"),
        ({"quota": {"pods": "\u0665"}}, "quota.pods", "quantity"),
        ({"quota": {"pods": "1\u0665Gi"}}, "quota.pods", "quantity"),
        ({"namespace": "kube-flannel"}, "namespace", "kube-"),
        ({"team": "kube"}, "namespace", "kube-"),
    ],
)
def test_values_the_api_server_rejects_are_refused(
    config: dict[str, object], key: str, what: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_config("pr-5", config)
    assert caught.value.key == key
    assert what in str(caught.value)


@pytest.mark.parametrize("value", ["0", "-0", "0.0", "+5", "500m", "1.5Gi", "1e3"])
def test_non_negative_quantities_are_accepted(value: str) -> None:
    settings = settings_from_config("pr-5", {"quota": {"requests.cpu": value}})
    assert settings.quota is not None
    assert settings.quota.hard == (("requests.cpu", value),)


def test_a_huge_value_is_cut_in_the_message() -> None:
    huge = "A" * 10_000_000
    with pytest.raises(SettingsError) as caught:
        settings_from_config("pr-5", {"team": huge})
    message = str(caught.value)
    assert len(message) < 1000
    assert "10,000,000 characters" in message
    assert message.startswith('config catalyst-environments:team: "AAAA')
    assert caught.value.value == huge  # the value itself is kept for callers


def test_a_huge_unknown_key_is_cut_in_the_message() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_from_config("pr-5", {"x" * 100_000: "1"})
    assert len(str(caught.value)) < 1500


def test_a_huge_stack_name_is_cut_in_the_message() -> None:
    from components.stack_config import StackConfigError, stack_short_name

    with pytest.raises(StackConfigError) as caught:
        stack_short_name("!" * 1_000_000)
    assert len(str(caught.value)) < 1000
