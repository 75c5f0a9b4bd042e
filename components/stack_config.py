"""Pulumi.yaml + Pulumi.<stack>.yaml -> the config strings the Pulumi CLI would pass the program.

``render`` and the test suite's mock runs both start from here, so they see exactly what
``pulumi up -s STACK`` would: the project's declared defaults, overridden key by key (never merged)
by the stack file; every value a string, structured values as JSON text. This follows the CLI's
rules (pkg ``workspace``: ``RewriteShorthandConfigValues``, ``Project.Validate``, ``mergeConfig``,
``ValidateConfigValue``, and ``config.Value`` decoding): keys without a namespace belong to the
project, a project key declared without default or value is required, a typed key is checked
against its type, and each value is passed as ``config.Value`` text (a string as it is, other
scalars and structures as Go's JSON). Stack files are decoded as the CLI's gopkg.in/yaml.v3 decodes
them -- ``1:30`` and ``yes`` are strings, ``0o17``, ``017`` and ``5_432`` integers, merge keys
honoured, keys only strings, aliases budgeted: ``components.cli_yaml`` cites the sources.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from components.cli_yaml import go_json_float, load_cli_yaml, non_string_key
from components.errors import ConfigError
from kubefacts.validation import shorten
from kubefacts.yaml_limits import LocatedYamlError

PROJECT_FILES: Final = ("Pulumi.yaml", "Pulumi.yml")
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_DECLARATION_FIELDS: Final = frozenset(
    {"default", "description", "items", "secret", "type", "value"}
)
_SIMPLE_TYPES: Final = ("array", "boolean", "integer", "string")


class StackConfigError(ConfigError):
    """The project or stack file is not one the Pulumi CLI would accept (names the file)."""


@dataclass(frozen=True, slots=True)
class StackConfig:
    """The config of one stack as the CLI passes it: "namespace:key" -> string, every namespace."""

    project: str
    stack: str
    values: Mapping[str, str]

    @property
    def program_values(self) -> dict[str, str]:
        """What the program reads with ``pulumi.Config()``: the project's keys, bare."""
        return project_values(self.values, self.project)


def stack_short_name(stack: str) -> str:
    """``org/project/stack`` and ``stack`` both name the file ``Pulumi.<stack>.yaml``."""
    parts = stack.split("/")
    if len(parts) > 3 or any(
        not _STACK_NAME.fullmatch(part) or part in (".", "..") for part in parts
    ):
        raise StackConfigError(
            f"stack name {shorten(json.dumps(stack))} is not valid: use letters, digits, '-', '_' "
            "and '.' (optionally as org/stack or org/project/stack)"
        )
    return parts[-1]


def load_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """Read the project file and the stack's file (absent: defaults only) like the CLI does."""
    short = stack_short_name(stack)
    project_file = next(
        (project_dir / name for name in PROJECT_FILES if (project_dir / name).is_file()), None
    )
    if project_file is None:
        raise StackConfigError(f"{project_dir}: no Pulumi.yaml here (see --project-dir)")
    project_doc = _load_yaml(project_file)
    config_dir = project_dir / str(project_doc.get("stackConfigDir") or ".")
    stack_file = next(
        (
            config_dir / f"Pulumi.{short}{suffix}"
            for suffix in (".yaml", ".yml")
            if (config_dir / f"Pulumi.{short}{suffix}").is_file()
        ),
        None,
    )
    stack_values = _stack_values(stack_file) if stack_file is not None else {}
    for key in stack_values:
        _check_namespace(key, str(project_doc.get("name")), str(stack_file))
    values = merge_config(project_doc, stack_values, short, source=str(project_file))
    return StackConfig(project=str(project_doc["name"]), stack=short, values=values)


WELL_KNOWN_NAMESPACES: Final = ("kubernetes", "pulumi")
"""Namespaces besides the project's that this program's stacks use (the Kubernetes provider's
``kubernetes:context``, the CLI's own ``pulumi:tags``): a key in a namespace that is nearly one of
these, or the project's, is a typo, not another provider's config. Any other namespace (``aws:``,
``gcp:``, a provider of the user's) is left alone, as the CLI leaves it."""
_NEAR_MISS_CUTOFF: Final = 0.8


def _check_namespace(key: str, project: str, source: str) -> None:
    """A near miss of a known namespace (``catalyst-environment:``, ``Catalyst-Environments:``,
    ``kubernete:``) or an empty one (``:team``) would be silently ignored: production would
    render without its database policy. Refuse it, naming the key the user meant."""
    namespace, _, name = key.partition(":")
    known = (project, *WELL_KNOWN_NAMESPACES)
    if namespace in known:
        return
    if namespace:
        folded = {candidate.lower().replace("_", "-"): candidate for candidate in known}
        close = difflib.get_close_matches(
            namespace.lower().replace("_", "-"), list(folded), n=1, cutoff=_NEAR_MISS_CUTOFF
        )
        if not close:
            return
        nearest = folded[close[0]]
        problem = f"the namespace '{shorten(namespace)}' is not '{nearest}'"
    else:
        nearest = project
        problem = "the namespace is empty"
    raise StackConfigError(
        f"{source}: config key '{shorten(key)}': {problem}, so nothing would read it; did you "
        f"mean '{nearest}:{shorten(name)}'?"
    )


def project_values(config: Mapping[str, str], project: str) -> dict[str, str]:
    """The keys of the project's own namespace, without it (what ``pulumi.Config()`` reads)."""
    prefix = f"{project}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def merge_config(
    project_doc: Mapping[str, Any],
    stack_values: Mapping[str, str],
    stack: str,
    *,
    source: str = "Pulumi.yaml",
) -> dict[str, str]:
    """Apply the project's declared defaults under the stack's own values, then type-check."""
    project = project_doc.get("name")
    if not isinstance(project, str) or not project:
        raise StackConfigError(f"{source}: the project needs a non-empty string 'name'")
    raw_config = project_doc.get("config") or {}
    if not isinstance(raw_config, Mapping):
        raise StackConfigError(f"{source}: 'config' must be a map of config keys")
    merged = dict(stack_values)
    for key, raw in sorted(raw_config.items()):
        full_key = key if ":" in key else f"{project}:{key}"
        declaration = _declaration(project, key, raw, source)
        if full_key in merged:
            _check_type(stack, key, declaration, merged[full_key])
            continue
        if "value" in declaration or "default" in declaration:
            merged[full_key] = _text(
                f"{source}: config key '{key}'",
                declaration.get("default", declaration.get("value")),
            )
        elif full_key.startswith(f"{project}:"):
            raise StackConfigError(f"Stack '{stack}' is missing configuration value '{key}'")
    return dict(sorted(merged.items()))


def config_text(value: object) -> str:
    """How the CLI turns a config value into the string the program receives
    (``object.MarshalString``): a string as it is, anything else as Go's JSON; null is "".
    A ValueError for NaN and infinities, which Go's JSON cannot encode."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, float):
        return go_json_float(value)
    return json.dumps(
        _go_numbers(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def _go_numbers(value: object) -> object:
    """Go's JSON encoder writes a whole float below 1e21 as an integer (5432.0 -> 5432)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Mapping):
        return {key: _go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_numbers(item) for item in value]
    return value


def _declaration(project: str, key: str, raw: object, source: str) -> dict[str, Any]:
    """One entry of the project's ``config`` block, shorthand expanded, validated like the CLI."""
    own = ":" not in key or key.startswith(f"{project}:")
    where = f"{source}: config key '{key}'"
    if isinstance(raw, bool | int | str | list):
        return {"default": raw} if own else {"value": raw}
    if not isinstance(raw, Mapping):
        raise StackConfigError(f"{where}: must be a string, integer, boolean, list or declaration")
    unknown = sorted(set(raw) - _DECLARATION_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(_DECLARATION_FIELDS))
        raise StackConfigError(f"{where}: unknown attribute '{unknown[0]}'; allowed: {allowed}")
    declaration = {field: item for field, item in raw.items() if item is not None}
    if "default" in declaration and "value" in declaration:
        raise StackConfigError(f"{where}: cannot have both a 'default' and 'value' attribute")
    type_name = declaration.get("type")
    if not own:
        if type_name is not None or "default" in declaration or "value" not in declaration:
            raise StackConfigError(
                f"{where}: is not namespaced by the project, so it takes only a 'value'"
            )
        return declaration
    if type_name is not None:
        if type_name not in _SIMPLE_TYPES:
            raise StackConfigError(f"{where}: type must be one of {', '.join(_SIMPLE_TYPES)}")
        if type_name == "array" and "items" not in declaration:
            raise StackConfigError(f"{where}: declares an array without its 'items' type")
        if "default" in declaration and not _matches(
            type_name, declaration.get("items"), declaration["default"]
        ):
            raise StackConfigError(f"{where}: the default is not of type '{type_name}'")
    return declaration


def _check_type(stack: str, key: str, declaration: Mapping[str, Any], text: str) -> None:
    type_name = declaration.get("type")
    if type_name is None:
        return
    try:
        content = json.loads(text) if text[:1] in ("[", "{") else text
    except (ValueError, RecursionError):
        content = text
    if not _matches(type_name, declaration.get("items"), content):
        raise StackConfigError(
            f"Stack '{stack}' with configuration key '{key}' must be of type '{type_name}'"
        )


def _matches(type_name: str, items: object, value: object) -> bool:
    """The CLI's ValidateConfigValue: strings, whole numbers, booleans or typed arrays."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value) is not None
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name != "array" or not isinstance(value, list) or not isinstance(items, Mapping):
        return False
    return all(_matches(str(items.get("type")), items.get("items"), item) for item in value)


def _text(where: str, value: object) -> str:
    try:
        return config_text(value)
    except ValueError:
        raise StackConfigError(
            f"{where}: holds .nan or .inf, which the Pulumi CLI cannot pass to the program "
            "(JSON has no such numbers); quote it to pass it as text"
        ) from None


def _load_yaml(path: Path) -> Mapping[str, Any]:
    try:
        document = load_cli_yaml(path.read_text(encoding="utf-8"))
    except LocatedYamlError as error:
        raise StackConfigError(
            f"{path}: {_where(error.path)}cannot read it as YAML: {_yaml_problem(error)}"
        ) from None
    except UnicodeDecodeError as error:
        raise StackConfigError(
            f"{path}: cannot read it as YAML: not UTF-8 text (byte {error.start})"
        ) from None
    except OSError as error:
        raise StackConfigError(f"{path}: cannot read it as YAML: {error}") from None
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path}: cannot read it as YAML: {_yaml_problem(error)}") from None
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise StackConfigError(f"{path}: must be a YAML map")
    found = non_string_key(document)
    if found is not None:
        where, key = found
        raise StackConfigError(
            f"{path}: {_where(where) or 'map '}key {_shown_key(key)} is not a string; the Pulumi "
            f"CLI takes only string keys (expected only string keys): quote it"
        )
    return document


def _shown_key(key: object) -> str:
    if key is None:
        return "~ (null)"
    if isinstance(key, bool):
        return "true" if key else "false"
    return shorten(json.dumps(key) if isinstance(key, int | float | str) else repr(key))


def _where(path: tuple[str | int, ...]) -> str:
    """The config key a problem lies under, as the messages name keys ("" outside config)."""
    if len(path) >= 2 and path[0] == "config":
        return f"config key '{path[1]}': "
    return ""


def _yaml_problem(error: yaml.YAMLError) -> str:
    """A YAML error on one line: where (line and column) and what, without the source excerpt."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        what = "; ".join(part for part in (error.context, error.problem) if part)
        return f"line {mark.line + 1}, column {mark.column + 1}: {what}"
    return " ".join(str(error).split())


def _stack_values(path: Path) -> dict[str, str]:
    """``config:`` of a stack file: top-level scalars as their literal text, the rest as JSON."""
    document = _load_yaml(path)
    if document.get("environment"):
        raise StackConfigError(
            f"{path}: uses a Pulumi ESC environment, which cannot be read without the Pulumi CLI"
        )
    config = document.get("config") or {}
    if not isinstance(config, Mapping):
        raise StackConfigError(f"{path}: 'config' must be a map of namespace:key to values")
    values = {}
    for key, value in config.items():
        if not isinstance(key, str) or ":" not in key:
            raise StackConfigError(
                f"{path}: config key {shorten(json.dumps(str(key)))} must be of the form "
                "<namespace>:<name>"
            )
        if _is_secret(value):
            raise StackConfigError(
                f"{path}: config key '{key}' is a secret, which cannot be read without the Pulumi "
                "CLI; this project has no secret settings"
            )
        values[key] = _text(f"{path}: config key '{key}'", value)
    return values


def _is_secret(value: object) -> bool:
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return True
        return any(_is_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(_is_secret(item) for item in value)
    return False
