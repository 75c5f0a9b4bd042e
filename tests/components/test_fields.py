"""The field table (components/fields.py) is the one source of the environment's fields: the
config declarations in Pulumi.yaml and the README's config table say what it says.

``pytest --update-golden`` rewrites the README's table from the field table (review the diff)."""

from __future__ import annotations

import json

import pytest
import yaml

from components.config_values import SettingsError
from components.fields import (
    CONFIG_TABLE_HEADER,
    ENVIRONMENT_FIELDS,
    FIELD,
    Field,
    camel_case,
    config_keys,
    config_table,
)
from components.settings import CONFIG_KEYS, settings_from_config
from tests.support.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
CONFIG_FIELDS = [field for field in ENVIRONMENT_FIELDS if field.config]
DECLARED_TYPES = {"string": "string", "boolean": "boolean"}
"""The field kinds Pulumi.yaml declares a ``type`` for (the CLI then checks stack values)."""


def declared() -> dict[str, dict[str, object]]:
    return yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]


def test_pulumi_yaml_declares_exactly_the_config_keys_of_the_table() -> None:
    assert sorted(declared()) == list(config_keys(ENVIRONMENT_FIELDS)) == list(CONFIG_KEYS)


@pytest.mark.parametrize("field", CONFIG_FIELDS, ids=lambda field: field.key)
def test_each_declaration_is_the_fields_description_default_and_type(field: Field) -> None:
    entry = declared()[field.key]
    assert entry["description"] == field.description
    assert json.dumps(entry["default"]) == json.dumps(field.default)
    # The CLI types only scalars and arrays of them; structured keys carry no type.
    assert entry.get("type") == DECLARED_TYPES.get(field.kind)


def test_the_tier_is_no_config_key_the_stack_decides_it() -> None:
    assert "tier" not in declared()
    with pytest.raises(SettingsError, match="unknown key"):
        settings_from_config("pr-1", {"tier": "production"})


def _readme_table(lines: list[str]) -> tuple[int, int]:
    start = lines.index(CONFIG_TABLE_HEADER[0])
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return start, end


def test_the_readme_config_table_is_the_field_table(request: pytest.FixtureRequest) -> None:
    text = README.read_text(encoding="utf-8")
    lines = text.split("\n")
    start, end = _readme_table(lines)
    expected = list(config_table())
    if request.config.getoption("--update-golden"):
        README.write_text("\n".join([*lines[:start], *expected, *lines[end:]]), encoding="utf-8")
        return
    assert lines[start:end] == expected, "run pytest --update-golden and review the README diff"


def test_defaults_in_the_table_are_what_an_empty_config_gives() -> None:
    """What Pulumi.yaml declares as the default is what leaving the key out means."""
    given = {field.key: field.default for field in CONFIG_FIELDS}
    assert settings_from_config("pr-9", given) == settings_from_config("pr-9", {})
    assert settings_from_config("production", given) == settings_from_config("production", {})


@pytest.mark.parametrize(
    ("name", "key"),
    [("team", "team"), ("allow_same_namespace", "allowSameNamespace"), ("except_", "except")],
)
def test_config_keys_are_the_camel_case_of_the_python_names(name: str, key: str) -> None:
    assert camel_case(name) == key
    assert FIELD.get(key) is None or FIELD[key].name == name
