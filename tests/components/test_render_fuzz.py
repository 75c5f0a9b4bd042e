"""Fuzz: random, careless and hostile stack files through ``python -m components render``.

Whatever the stack file holds, render exits 0, 1 or 2; on an error it prints one line on stderr
(never a traceback, never an "internal error"), nothing on stdout, and writes nothing; on success
every file it wrote is a rendered manifest. Bounded: a fixed number of examples, each with a
deadline, a few seconds in all.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.cli import main
from components.render import RENDERED_HEADER
from components.settings import CONFIG_KEYS
from tests.kubefacts.test_yaml_limits import bomb
from tests.support.paths import REPO_ROOT

WEIRD_SCALARS = (
    "1:30", "5_432", "0o17", "017", "0x1F", "08", "1e3", "1e400", ".nan", "-.inf", "yes", "on",
    "~", "null", "''", '""', "2024-01-01", "2024-13-01", "-5", "'-5'", "'\u0665'", "1\u0665Gi",
    "fe80::%eth0/64", "10.0.0.0/8", "0.0.0.0/0", "'10.0.0.1/8'", "kube-flannel", "kube-system",
    "default", "TRUE", "auto", "false", "web", "Bad_Team!", "'a b'", "!!binary aGk=", "!!set {a}",
    "!foo x", "*undefined", "'" + "x" * 300 + "'", "65536", "0", "443", "TCP", "udp", "500m",
    "4Gi", "[]", "{}", "-", "? a", "@", "|\n    x", "'[[[[[]]]]]'",
)  # fmt: skip
KEYS = (
    *(f"catalyst-environments:{key}" for key in CONFIG_KEYS),
    "catalyst-environments:unknownKey", "catalyst-environment:databases", ":team",
    "Catalyst-Environments:team", "kubernete:context", "kubernetes:context", "aws:region",
    "team", "1", "~", "true", "<<", "'catalyst-environments:team'", "[a]",
)  # fmt: skip
INNER_KEYS = (
    "name", "cidr", "except", "ports", "port", "protocol", "endPort", "podLabels",
    "clientLabels", "pods", "requests.cpu", "max", "default", "app", "1", "~", "true", "<<",
    "k8s-app", "'a b'",
)  # fmt: skip

scalars = st.sampled_from(WEIRD_SCALARS) | st.from_regex(r"[-a-z0-9.:/%_]{0,12}", fullmatch=True)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
        | st.lists(st.tuples(st.sampled_from(INNER_KEYS), inner), max_size=4).map(
            lambda pairs: "{" + ", ".join(f"{key}: {value}" for key, value in pairs) + "}"
        )
        | inner.map(lambda value: f"&a {value}")
        | st.just("*a")
    ),
    max_leaves=12,
)
egress = st.builds(
    lambda name, cidr, port, protocol: (
        f"[{{name: {name}, cidr: {cidr}, ports: [{{port: {port}, protocol: {protocol}}}]}}]"
    ),
    st.sampled_from(("web", "x", "Bad_Name", "''")),
    st.sampled_from(("10.0.0.0/8", "203.0.113.0/24", "fe80::%eth0/64", "10.0.0.1/8", "x")),
    st.sampled_from(("443", "1:30", "5_432", "0o17", "70000", "'80'", "8.0")),
    st.sampled_from(("TCP", "UDP", "tcp", "~")),
)
special = st.sampled_from(
    (
        "[" * 40 + "]" * 40,
        "[" * 3000 + "]" * 3000,
        "{a: " * 50 + "x" + "}" * 50,
        "&r [*r]",
        "'" + "[" * 5000 + "]" * 5000 + "'",
    )
)
entry_values = values | egress | special | st.sampled_from(("{pods: '-5'}", "{pods: '20'}"))
lines = st.lists(
    st.tuples(st.sampled_from(KEYS), entry_values).map(lambda pair: f"  {pair[0]}: {pair[1]}"),
    max_size=5,
)
stack_files = (
    lines.map(lambda items: "config:\n" + "".join(f"{line}\n" for line in items))
    | lines.map(lambda items: "\n".join(items))  # no config: block
    | st.just(
        bomb(key="  catalyst-environments:egress")
        .replace("defs:", "config:\n  aws:x:")
        .replace("\n  - &", "\n    - &")
    )
    | st.text(max_size=60)  # anything at all
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-project")
    shutil.copy(REPO_ROOT / "Pulumi.yaml", folder / "Pulumi.yaml")
    return folder


@settings(
    max_examples=150,
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=stack_files)
def test_render_of_any_stack_file_is_exit_0_1_or_2_one_line_and_all_or_nothing(
    project: Path, text: str
) -> None:
    (project / "Pulumi.pr-5.yaml").write_text(text, encoding="utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(
                ["render", "--project-dir", str(project), "--stack", "pr-5", "--out", str(out)]
            )
        err = stderr.getvalue()
        assert code in (0, 1, 2), err
        assert "Traceback" not in err
        assert "internal error" not in err, err
        if code == 0:
            written = sorted(out.iterdir())
            assert written
            assert all(path.read_text().startswith(RENDERED_HEADER) for path in written)
            assert err.count("\n") == 1
        else:
            assert err.startswith("render: error: "), err
            assert err.count("\n") == 1, err
            assert len(err) < 2000, err
            assert stdout.getvalue() == ""
            assert not out.exists()
