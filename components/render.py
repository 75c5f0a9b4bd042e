"""``python -m components render``: the manifests a stack would create, as YAML files.

Reads Pulumi.yaml and Pulumi.<stack>.yaml as the Pulumi CLI does, validates them like the program,
and writes one file per object, named ``<kind>-<name>.yaml``. No Pulumi CLI, no cluster: this is how
a person sees what a stack will create and how CI compares the policies of two branches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import yaml

from components.errors import ConfigError
from components.manifests import environment_manifests
from components.output_folder import replace_owned
from components.settings import settings_from_config
from components.stack_config import PROJECT_FILES, load_stack_config, stack_short_name

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
RENDERED_KINDS: Final = (
    "clusternetworkpolicy",
    "limitrange",
    "namespace",
    "networkpolicy",
    "resourcequota",
)
RENDERED_HEADER: Final = "# Rendered by `python -m components render"


class _PlainDumper(yaml.SafeDumper):
    """No anchors or aliases: every file reads on its own."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def manifest_filename(manifest: dict[str, Any]) -> str:
    """``<kind>-<name>.yaml``: stable across runs, so a diff shows only real changes."""
    return f"{manifest['kind'].lower()}-{manifest['metadata']['name']}.yaml"


def manifest_yaml(manifest: dict[str, Any], stack: str) -> str:
    """One object as YAML with sorted keys, behind a header saying where it came from."""
    body = yaml.dump(manifest, Dumper=_PlainDumper, sort_keys=True, default_flow_style=False)
    return f"{RENDERED_HEADER} --stack {stack}`; do not edit.\n{body}"


def is_rendered(path: Path) -> bool:
    """A file this command wrote: its kind prefix and its header say so (never a symlink)."""
    if path.name.split("-", 1)[0] not in RENDERED_KINDS or path.is_symlink():
        return False
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            return file.readline().startswith(RENDERED_HEADER)
    except OSError:
        return False


def rendered_files(project_dir: Path, stack: str) -> dict[str, str]:
    """File name -> content for every object the stack would create (pure apart from reading)."""
    config = load_stack_config(project_dir, stack)
    settings = settings_from_config(config.stack, config.program_values)
    return {
        manifest_filename(manifest): manifest_yaml(manifest, config.stack)
        for manifest in environment_manifests(settings)
    }


def write_rendered(files: dict[str, str], out: Path) -> list[Path]:
    """Write the files and remove the files rendered before that the stack no longer creates.

    Only those: a file of the user's own in ``out`` stays, whatever its name, and one that has a
    rendered file's name stops the render (``OutputError``) rather than being replaced; so does a
    symlink or folder in the way, or ``out`` itself being a symlink. All or nothing, under a lock
    on ``out``: see ``components.output_folder``."""
    return replace_owned(out, files, is_rendered)


HELP: Final = "write the manifests a stack would create as YAML files"
DESCRIPTION: Final = (
    "Write the Namespace, NetworkPolicies and quota objects (and, with clusterGuardrails, the "
    "ClusterNetworkPolicies) that `pulumi up` would create for STACK, one YAML file per object, "
    "reading Pulumi.yaml defaults and Pulumi.<STACK>.yaml (absent: defaults only) as the Pulumi "
    "CLI does."
)


def default_project_dir() -> Path:
    """The current folder when it is a Pulumi project (how an installed ``catalyst-render`` is
    used, from the project it renders), else this checkout, whichever folder it is run from."""
    here = Path.cwd()
    if any((here / name).is_file() for name in PROJECT_FILES):
        return here
    return REPO_ROOT


def add_arguments(render: argparse.ArgumentParser) -> None:
    """The options of ``python -m components render``."""
    render.add_argument("--stack", required=True, help="stack name, e.g. dev, production, pr-123")
    render.add_argument("--out", type=Path, help="output folder (default: rendered/<stack>)")
    render.add_argument(
        "--project-dir",
        type=Path,
        help="folder holding Pulumi.yaml (default: the current folder if it holds one, else "
        "this repository)",
    )


def run(args: argparse.Namespace) -> int:
    """Exit 0 when written, 2 on any error a user can fix (one line on stderr, no traceback)."""
    project_dir = args.project_dir if args.project_dir is not None else default_project_dir()
    try:
        stack = stack_short_name(args.stack)
        files = rendered_files(project_dir, args.stack)
        out = args.out if args.out is not None else project_dir / "rendered" / stack
        written = write_rendered(files, out)
    except ConfigError as error:
        print(f"render: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"render: error: cannot write the manifests: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    print(f"render: {len(written)} manifests of stack {stack} in {out}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m components`` (every command; kept here for existing callers)."""
    from components.cli import main as cli_main

    return cli_main(argv)
