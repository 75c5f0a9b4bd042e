"""Pulumi.yaml + stack files -> the config the CLI would pass, and agreement with the settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components.config_values import SettingsError
from components.settings import (
    CONFIG_KEYS,
    DEFAULT_DNS_POD_LABELS,
    DEFAULT_EGRESS,
    settings_from_config,
)
from components.stack_config import (
    StackConfigError,
    config_text,
    load_stack_config,
    merge_config,
    stack_short_name,
)
from tests.support.paths import REPO_ROOT

PROJECT_DOC = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())


def write_project(tmp_path: Path, stack_files: dict[str, str]) -> Path:
    (tmp_path / "Pulumi.yaml").write_text((REPO_ROOT / "Pulumi.yaml").read_text())
    for stack, text in stack_files.items():
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


def test_project_file_declares_every_key_with_a_description_and_a_default() -> None:
    assert PROJECT_DOC["name"] == "catalyst-environments"
    assert PROJECT_DOC["runtime"] == {
        "name": "python",
        "options": {"toolchain": "pip", "virtualenv": ".venv"},
    }
    declared = PROJECT_DOC["config"]
    assert sorted(declared) == sorted(CONFIG_KEYS)
    for key, declaration in declared.items():
        assert declaration.get("description"), key
        assert "default" in declaration, key
        assert declaration.get("type") in (None, "string", "boolean"), key


def test_project_defaults_are_the_settings_defaults() -> None:
    """Pulumi.yaml (what `pulumi up` uses) and settings.py (what direct callers get) agree."""
    declared = PROJECT_DOC["config"]
    assert declared["team"]["default"] == "myteam"
    assert declared["project"]["default"] == "myproject"
    assert declared["dnsPodLabels"]["default"] == dict(DEFAULT_DNS_POD_LABELS)
    assert declared["egress"]["default"] == [dict(entry) for entry in DEFAULT_EGRESS]
    for stack in ("pr-123", "production", "dev"):
        from_file = load_stack_config(REPO_ROOT, stack).program_values
        if stack == "production":
            from_file.pop("databases")
        assert settings_from_config(stack, from_file) == settings_from_config(stack, {})


def test_a_pr_stack_needs_no_stack_file() -> None:
    assert not (REPO_ROOT / "Pulumi.pr-123.yaml").exists()
    config = load_stack_config(REPO_ROOT, "pr-123")
    assert config.project == "catalyst-environments"
    assert config.stack == "pr-123"
    assert config.values["catalyst-environments:team"] == "myteam"
    assert sorted(config.program_values) == sorted(CONFIG_KEYS)


def test_defaults_are_passed_as_the_cli_passes_them() -> None:
    values = load_stack_config(REPO_ROOT, "pr-1").values
    assert values["catalyst-environments:protect"] == "auto"
    assert values["catalyst-environments:environment"] == ""
    assert json.loads(values["catalyst-environments:egress"]) == [dict(e) for e in DEFAULT_EGRESS]
    assert values["catalyst-environments:databases"] == "[]"
    assert values["catalyst-environments:dnsPodLabels"] == '{"k8s-app":"kube-dns"}'


def test_dev_stack_renders_to_a_folder_instead_of_a_cluster() -> None:
    values = load_stack_config(REPO_ROOT, "dev").values
    assert values["kubernetes:renderYamlToDirectory"].startswith("rendered/")
    assert (
        "kubernetes:renderYamlToDirectory" not in load_stack_config(REPO_ROOT, "dev").program_values
    )


def test_production_stack_file_adds_the_postgres_database() -> None:
    values = load_stack_config(REPO_ROOT, "production").program_values
    assert json.loads(values["databases"]) == [
        {
            "name": "postgres",
            "podLabels": {"app": "postgres"},
            "port": 5432,
            "clientLabels": {"db-access": "true"},
        }
    ]


def test_stack_values_override_whole_keys_and_scalars_are_passed_as_the_cli_passes_them(
    tmp_path: Path,
) -> None:
    """``007`` is an integer to yaml.v3 (Go's ParseInt, base 0: octal 7), and the CLI passes the
    program the JSON of what it decoded (``config.Value``: ``object.MarshalString``), "7"."""
    project = write_project(
        tmp_path,
        {
            "pr-9": """
config:
  catalyst-environments:team: 007
  catalyst-environments:protect: true
  catalyst-environments:dnsPodLabels:
    app: dns
  catalyst-environments:environment:
  aws:region: eu-west-1
""",
        },
    )
    values = load_stack_config(project, "pr-9").values
    assert values["catalyst-environments:team"] == "7"
    assert values["catalyst-environments:protect"] == "true"
    assert values["catalyst-environments:dnsPodLabels"] == '{"app":"dns"}'
    assert values["catalyst-environments:environment"] == ""
    assert values["aws:region"] == "eu-west-1"


def test_yaml_1_2_booleans_as_the_cli_reads_them(tmp_path: Path) -> None:
    """`yes` is a string to the CLI (YAML 1.2) although YAML 1.1 readers make it a boolean."""
    project = write_project(
        tmp_path,
        {
            "pr-2": """
config:
  catalyst-environments:databases:
    - name: db
      podLabels: {app: db}
      port: 5432.0
      clientLabels: {db-access: yes}
""",
        },
    )
    values = load_stack_config(project, "pr-2").program_values
    assert json.loads(values["databases"])[0]["clientLabels"] == {"db-access": "yes"}
    settings = settings_from_config("pr-2", values)
    assert settings.databases[0].client_labels == (("db-access", "yes"),)
    assert settings.databases[0].port == 5432


def test_fully_qualified_stack_names_use_the_short_stack_file() -> None:
    assert stack_short_name("acme/catalyst-environments/production") == "production"
    values = load_stack_config(REPO_ROOT, "acme/production").program_values
    assert "postgres" in values["databases"]


@pytest.mark.parametrize("stack", ["../production", "a/b/c/d", "", "pr 1", "./x"])
def test_stack_names_that_are_not_pulumi_names_are_refused(stack: str) -> None:
    with pytest.raises(StackConfigError, match="stack name"):
        stack_short_name(stack)


@pytest.mark.parametrize(
    ("stack_file", "message"),
    [
        ("config:\n  team: web\n", "must be of the form <namespace>:<name>"),
        ("config:\n  catalyst-environments:team:\n    secure: AAAA\n", "is a secret"),
        ("config:\n  catalyst-environments:team: [a, b]\n", "must be of type 'string'"),
        ("config: [1, 2]\n", "'config' must be a map"),
        ("config:\n  catalyst-environments:team: [a\n", "cannot read it as YAML"),
        ("environment:\n  - my-esc-env\n", "ESC environment"),
    ],
)
def test_stack_files_the_cli_would_refuse_are_refused(
    tmp_path: Path, stack_file: str, message: str
) -> None:
    project = write_project(tmp_path, {"pr-3": stack_file})
    with pytest.raises(StackConfigError, match=message):
        load_stack_config(project, "pr-3")


def test_a_missing_project_file_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(StackConfigError, match=r"no Pulumi\.yaml"):
        load_stack_config(tmp_path, "dev")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"team": {"type": "string"}}, "missing configuration value 'team'"),
        ({"team": {"type": "string", "default": 5}}, "not of type 'string'"),
        ({"team": {"type": "object", "default": {}}}, "type must be one of"),
        ({"tags": {"type": "array", "default": []}}, "without its 'items' type"),
        ({"team": {"default": "a", "value": "b"}}, "both a 'default' and 'value'"),
        ({"team": {"defualt": "a"}}, "unknown attribute 'defualt'"),
        ({"aws:region": {"default": "x"}}, "takes only a 'value'"),
        ({"aws:region": {"type": "string", "value": "x"}}, "takes only a 'value'"),
    ],
)
def test_project_files_the_cli_would_refuse_are_refused(config: dict, message: str) -> None:
    with pytest.raises(StackConfigError, match=message):
        merge_config({"name": "p", "config": config}, {}, "dev")


def test_shorthand_project_values_and_typed_arrays() -> None:
    merged = merge_config(
        {
            "name": "p",
            "config": {
                "count": 2,
                "flag": False,
                "aws:region": "us-east-1",
                "zones": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
            },
        },
        {"p:count": "3"},
        "dev",
    )
    assert merged == {
        "aws:region": "us-east-1",
        "p:count": "3",
        "p:flag": "false",
        "p:zones": '["a"]',
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (5, "5"),
        ("x", "x"),
        ({"b": 1, "a": [1.0, 2.5]}, '{"a":[1,2.5],"b":1}'),
        ([], "[]"),
    ],
)
def test_config_text_matches_the_cli_encoding(value: object, text: str) -> None:
    assert config_text(value) == text


def test_reading_is_deterministic() -> None:
    first = load_stack_config(REPO_ROOT, "production")
    second = load_stack_config(REPO_ROOT, "production")
    assert first == second
    assert list(first.values) == sorted(first.values)


# --- the CLI's YAML: gopkg.in/yaml.v3 (components/cli_yaml.py cites the sources) ---------------


def program_values(tmp_path: Path, config: str) -> dict[str, str]:
    project = write_project(tmp_path, {"pr-7": f"config:\n{config}"})
    return load_stack_config(project, "pr-7").program_values


def test_merged_top_level_scalars_are_read_as_the_cli_reads_them(tmp_path: Path) -> None:
    values = program_values(
        tmp_path,
        "  <<: {catalyst-environments:team: web, catalyst-environments:protect: 'true'}\n"
        "  catalyst-environments:project: shop\n",
    )
    assert values["team"] == "web"
    assert values["protect"] == "true"
    assert values["project"] == "shop"
    assert settings_from_config("pr-7", values).protect is True


def test_a_merge_from_an_anchor_elsewhere_in_the_file(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        {
            "pr-7": "base: &base\n  catalyst-environments:team: web\n"
            "config:\n  <<: *base\n  catalyst-environments:environment: seven\n"
        },
    )
    values = load_stack_config(project, "pr-7").program_values
    assert (values["team"], values["environment"]) == ("web", "seven")


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("1:30", "1:30"),  # no base 60 in YAML 1.2 (PyYAML: 90)
        ("190:20:30", "190:20:30"),
        ("5_432", 5432),  # yaml.v3 strips '_' before Go's ParseInt
        ("0o17", 15),  # YAML 1.2 octal (PyYAML: a string)
        ("017", 15),  # 1.1 octal, still decoded by yaml.v3
        ("0x1F", 31),
        ("1e3", 1000),  # a float to yaml.v3, whole: JSON 1000 (PyYAML: a string)
        ("08", 8),  # not octal, but a yaml.v3 float
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("n", "n"),
        ("True", True),
        ("FALSE", False),
        ("~", None),
        ("1e400", "1e400"),  # too large for a float64: a string
    ],
)
def test_structured_values_decode_as_yaml_v3_decodes_them(
    tmp_path: Path, text: str, decoded: object
) -> None:
    values = program_values(tmp_path, f"  catalyst-environments:dnsPodLabels: {{a: {text}}}\n")
    assert json.loads(values["dnsPodLabels"]) == {"a": decoded}


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("1:30", "1:30"),
        ("5_432", "5432"),
        ("0o17", "15"),
        ("1.50", "1.5"),
        ("1e21", "1e+21"),
        ("TRUE", "true"),
        ("yes", "yes"),
        ("'007'", "007"),
        ("", ""),
    ],
)
def test_top_level_scalars_are_passed_as_config_value_text(
    tmp_path: Path, text: str, passed: str
) -> None:
    values = program_values(tmp_path, f"  catalyst-environments:environment: {text}\n")
    assert values["environment"] == passed


def test_a_base_60_port_is_refused_not_read_as_90(tmp_path: Path) -> None:
    values = program_values(
        tmp_path,
        "  catalyst-environments:databases:\n"
        "    - {name: pg, podLabels: {app: pg}, port: 1:30, clientLabels: {db: 'yes'}}\n",
    )
    with pytest.raises(SettingsError) as caught:
        settings_from_config("pr-7", values)
    assert 'databases[0].port: "1:30"' in str(caught.value)


# --- config keys in the wrong namespace ---------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "nearest"),
    [
        ("catalyst-environment:databases", "catalyst-environments:databases"),
        ("Catalyst-Environments:team", "catalyst-environments:team"),
        ("catalyst_environments:team", "catalyst-environments:team"),
        (":team", "catalyst-environments:team"),
        ("kubernete:context", "kubernetes:context"),
    ],
)
def test_a_near_miss_namespace_is_an_error_naming_the_nearest(
    tmp_path: Path, key: str, nearest: str
) -> None:
    project = write_project(tmp_path, {"pr-7": f"config:\n  {key}: x\n"})
    with pytest.raises(StackConfigError) as caught:
        load_stack_config(project, "pr-7")
    message = str(caught.value)
    assert "Pulumi.pr-7.yaml" in message
    assert f"'{key}'" in message
    assert f"'{nearest}'" in message


def test_other_namespaces_stay_allowed(tmp_path: Path) -> None:
    project = write_project(
        tmp_path,
        {
            "pr-7": "config:\n  kubernetes:context: kind\n  pulumi:tags: {a: b}\n"
            "  aws:region: eu-west-1\n  gcp:project: p\n  catalyst-environments:team: web\n"
        },
    )
    values = load_stack_config(project, "pr-7").values
    assert values["aws:region"] == "eu-west-1"
    assert values["catalyst-environments:team"] == "web"
