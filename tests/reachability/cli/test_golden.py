"""Golden outputs of every ``python -m reachability`` command in every format, on the
repository's own inputs: tests/data (the seed and its expectations, the Kubernetes docs' examples,
the lint scenarios)
and the stacks the program renders for pr-123, pr-456 and production.

They pin today's output byte for byte, so a refactor that changes what a user sees fails here
with a unified diff. When the change is intended, rerun with ``pytest --update-golden`` and review
the rewritten files under tests/golden/. Commands run in-process from the repository root with
relative paths; the rendered stacks' temporary folder reads as ``<rendered>``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reachability.cli import main
from tests.support.golden import Golden
from tests.support.paths import REPO_ROOT
from tests.support.processes import run_main

SEED = "tests/data/seed"
K8S_DOCS = "tests/data/k8s_docs"
LINT_SEED = "tests/data/lint/seed"
DB_MIGRATE = "tests/data/lint/scenarios/db-migrate"
DB_MIGRATE_FIXED = "tests/data/lint/scenarios/db-migrate-fixed"
RENDERED = "<rendered>"
"""Stands for the folder the stacks were rendered into, in arguments and in the goldens."""
STACKS = ("pr-123", "pr-456", "production")
PR_123, PR_456, PRODUCTION = (f"{RENDERED}/{stack}" for stack in STACKS)

EXTENSIONS = {
    "text": "txt",
    "table": "txt",
    "json": "json",
    "csv": "csv",
    "md": "md",
    "github": "github.txt",
}

# (command, case, arguments after the command, formats, exit status)
CASES: list[tuple[str, str, tuple[str, ...], tuple[str, ...], int]] = [
    (
        "query",
        "seed-dns-opens-every-kube-system-pod",
        ("-f", SEED, "--from", "dev-pr-123/web", "--to", "kube-system/metrics-server",
         "--port", "53", "--protocol", "UDP"),
        ("text", "json"),
        0,
    ),
    (
        "query",
        "seed-web-to-postgres-denied",
        ("-f", SEED, "--from", "dev-pr-123/web", "--to", "dev-pr-123/postgres", "--port", "5432"),
        ("text", "json"),
        1,
    ),
    (
        "query",
        "stacks-ingress-to-production",
        ("-f", RENDERED, "--from", "ingress-nginx/pod", "--to", "myteam-myproject-production/pod",
         "--port", "8080"),
        ("text", "json"),
        0,
    ),
    (
        "matrix",
        "seed",
        ("-f", SEED, "--port", "53/UDP", "--port", "5432/TCP", "--port", "80/TCP",
         "--external", "1.1.1.1"),
        ("table", "json", "csv", "md"),
        0,
    ),
    (
        "matrix",
        "k8s-docs",
        ("-f", K8S_DOCS, "--port", "6379/TCP"),
        ("table", "json", "csv", "md"),
        0,
    ),
    (
        "matrix",
        "stacks",
        ("-f", PR_123, "-f", PRODUCTION, "--port", "5432/TCP", "--port", "8080/TCP",
         "--external", "169.254.169.254"),
        ("table", "json", "csv", "md"),
        0,
    ),
    (
        "check",
        "examples",
        ("-f", PR_123, "-f", PR_456, "-f", PRODUCTION, "--expect", "examples/expectations.yaml"),
        ("text", "json"),
        0,
    ),
    (
        "check",
        "seed-expectations-two-fail",
        ("-f", SEED, "--expect", "tests/data/expectations/seed.yaml"),
        ("text", "json"),
        1,
    ),
    ("lint", "seed", ("-f", LINT_SEED), ("text", "json", "github"), 1),
    ("lint", "db-migrate", ("-f", DB_MIGRATE), ("text", "json", "github"), 0),
    ("lint", "db-migrate-fixed", ("-f", DB_MIGRATE_FIXED), ("text", "json", "github"), 0),
    ("lint", "stacks", ("-f", RENDERED), ("text", "json", "github"), 0),
    (
        "diff",
        "db-migrate-fix",
        ("-f", DB_MIGRATE, "--after", DB_MIGRATE_FIXED),
        ("text", "json", "md"),
        0,
    ),
    (
        "diff",
        "stacks-pr-123-as-production",
        ("-f", PR_123, "--after", PRODUCTION,
         "--map-namespace", "myteam-myproject-pr-123=myteam-myproject-production"),
        ("text", "json", "md"),
        0,
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def stacks_folder(rendered_stacks: Callable[..., Path]) -> Path:
    return rendered_stacks(*STACKS)


@pytest.mark.parametrize(
    ("command", "case", "args", "output_format", "status"),
    [
        pytest.param(command, case, args, fmt, status, id=f"{command}/{case}.{fmt}")
        for command, case, args, formats, status in CASES
        for fmt in formats
    ],
)
def test_output_is_the_golden_one(
    command: str,
    case: str,
    args: tuple[str, ...],
    output_format: str,
    status: int,
    stacks_folder: Path,
    golden: Golden,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    argv = [arg.replace(RENDERED, str(stacks_folder)) for arg in args]
    code, out, err = run_main(main, capsys, command, *argv, "--format", output_format)
    assert (code, err) == (status, "")
    golden.check(
        f"{command}/{case}.{EXTENSIONS[output_format]}", out.replace(str(stacks_folder), RENDERED)
    )
