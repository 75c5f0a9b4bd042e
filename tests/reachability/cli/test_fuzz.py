"""Fuzz: whatever the manifests hold, the analyzer answers with exit 0, 1 or 2, and on 2 with
one line per problem (plus a count line), never a traceback and never an internal error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability.cli import main
from tests.support.builders import namespace, netpol, pod

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["10.0.0.0/8", "::ffff:10.0.0.0/104", "TCP", "In", "Egress", "80", "dns", ""]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
BASE = [
    namespace("a", {"team": "x"}),
    pod("a", "web", {"app": "web"}, ["10.0.0.1"], [{"containerPort": 80, "name": "http"}]),
    netpol(
        "a",
        "p",
        {"matchLabels": {"app": "web"}},
        ingress=[{"from": [{"podSelector": {}}], "ports": [{"port": "http"}]}],
        egress=[{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}],
    ),
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


@st.composite
def mutated(draw: Any) -> list[Any]:
    """The base objects with a few places replaced by random values."""
    docs = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 4))):
        doc = draw(st.sampled_from(docs))
        path = draw(st.sampled_from(_paths(doc)[1:]))
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = draw(VALUES)
    return docs


def _run(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["lint"], ["matrix", "--format", "json"]):
        status = main([*command, "-f", str(folder)])
        err = capsys.readouterr().err
        assert status in (0, 1, 2), (command, status)
        assert "Traceback" not in err and "internal error" not in err, err
        if status == 2:
            lines = err.splitlines()
            assert lines and all(line.strip() for line in lines)
            assert len(lines) == 1 or lines[-1].endswith("problems in the manifests"), lines


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(docs=mutated(), as_json=st.booleans())
def test_mutated_manifests(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    docs: list[Any],
    as_json: bool,
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    if as_json:
        (folder / "c.json").write_text(json.dumps({"kind": "List", "items": docs}), "utf-8")
    else:
        (folder / "c.yaml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    _run(folder, capsys)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=st.text(alphabet=st.sampled_from(list("{}[]:,-&*!|>'\"#%@ \n\tak0.9/")), max_size=80))
def test_random_yaml_text(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz-text")
    (folder / "c.yaml").write_text(text, encoding="utf-8")
    _run(folder, capsys)
