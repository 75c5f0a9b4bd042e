"""The fast block-YAML reader is exact or silent: wherever it answers, libyaml agrees."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reachability._block_yaml import documents
from reachability.decoding import libyaml_documents, yaml_documents
from reachability.located import line_in, noted_lines

ROOT = Path(__file__).resolve().parents[3]


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (True is not 1, 1 is not 1.0), NaN equal to itself."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _reference(text: str) -> list[Any] | None:
    try:
        return list(libyaml_documents(text))
    except (yaml.YAMLError, RecursionError):
        return None


def _agrees(text: str) -> bool:
    """The reader answers only where libyaml decodes, and then with libyaml's values."""
    fast = documents(text)
    if fast is None:
        return True
    reference = _reference(text)
    return reference is not None and _same(fast, reference)


KUBECTL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  annotations:
    catalyst.dev/lint-ignore: NP006
  labels:
    app.kubernetes.io/managed-by: pulumi
  name: allow-web
  namespace: pr-1
spec:
  egress:
  - ports:
    - port: 53
      protocol: UDP
    to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
  ingress:
  - {}
  podSelector: {}
  policyTypes:
  - Ingress
  - Egress
"""

HELM = """\
---
# Source: chart/templates/netpol.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: "web"   # quoted, with a comment
  labels:
    "helm.sh/chart": 'web-1.0'
    version: '1.10'
spec:
    podSelector:
        matchLabels:
            app: web
    ingress:
        -   from:
                -   ipBlock:
                        cidr: 10.0.0.0/8
            ports:
                -   port: 8080
---
# Source: chart/templates/pod.yaml
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  labels: {app: web}
"""

IN_SUBSET = {
    "kubectl -o yaml": KUBECTL,
    "two documents, CRLF": "a: 1\r\n---\r\nb: [ ]\r\n".replace("[ ]", "[]"),
    "empty documents": "---\n---\n# only a comment\n",
    "an empty value is null": "a:\nb: ~\nc: null\n",
    "YAML 1.1 scalars": "a: yes\nb: 0o17\nc: 017\nd: 1_000\ne: 1:30\nf: .inf\ng: 2024-01-01\n",
    "plain scalars with indicators inside": "a: -x\nb: ?x\nc: a:b\nd: x#y\ne: 'it''s'\n",
    "a sequence as the root": "- a\n-\n- b: 1\n  c:\n  - 2\n",
    "a key ending in spaces": "a   : 1\n",
}

OUTSIDE_SUBSET = {
    "anchors and aliases": "a: &x 1\nb: *x\n",
    "a merge key": "a: {b: 1}\n<<: {c: 2}\n",
    "flow collections": "a: [1, 2]\n",
    "block scalars": "a: |\n  text\n",
    "multi-line plain scalar": "a: one\n  two\n",
    "tags": "a: !!str 1\n",
    "a tab": "a:\t1\n",
    "a lone carriage return in a comment": "a: 1\n #--\r b: []\n",
    "a control character in a comment": "a: 1 # \x01\n",
    "non-ASCII text": "a: é\n",
    "escapes in double quotes": 'a: "\\x41"\n',
    "a duplicate key": "a: 1\na: 2\n",
    "a document end marker": "a: 1\n...\n",
    "a directive": "%YAML 1.1\n---\na: 1\n",
    "a numeric key": "80: http\n",
    "a YAML error": "a: b: c\n",
    "indentation YAML refuses": "a:\n  b: 1\n c: 2\n",
    "a scalar root": "hello\n",
}


@pytest.mark.parametrize("text", IN_SUBSET.values(), ids=IN_SUBSET.keys())
def test_the_reader_answers_for_the_block_style_and_agrees_with_libyaml(text: str) -> None:
    fast = documents(text)
    assert fast is not None
    assert _same(fast, _reference(text))


def test_helm_output_with_wide_indentation_is_read_fast_apart_from_its_flow_mapping() -> None:
    assert documents(HELM) is None  # `labels: {app: web}`
    text = HELM.replace("labels: {app: web}", "labels:\n    app: web")
    fast = documents(text)
    assert fast is not None and _same(fast, _reference(text))
    assert fast[0]["spec"]["ingress"][0]["from"][0]["ipBlock"]["cidr"] == "10.0.0.0/8"


@pytest.mark.parametrize("text", OUTSIDE_SUBSET.values(), ids=OUTSIDE_SUBSET.keys())
def test_the_reader_stays_silent_outside_its_subset(text: str) -> None:
    assert documents(text) is None


def test_decoding_still_refuses_a_duplicate_key_through_libyaml() -> None:
    with pytest.raises(yaml.YAMLError, match="duplicate key 'a'"):
        list(yaml_documents("a: 1\na: 2\n"))


def test_lines_are_recorded_for_every_key_and_item() -> None:
    noted: list[int] = []
    [policy] = documents(KUBECTL, noted) or []
    lines = noted_lines([policy], noted)
    assert lines is not None

    def line(container: Any, step: Any = None) -> int:
        return line_in(lines[id(container)], container, step)

    assert line(policy) == 1
    assert line(policy, "spec") == 10
    egress = policy["spec"]["egress"]
    assert line(egress, 0) == 12
    assert line(egress[0], "to") == 15
    assert line(egress[0]["ports"][0], "protocol") == 14


def test_lines_are_matched_only_to_the_documents_they_were_noted_from() -> None:
    noted: list[int] = []
    [policy] = documents(KUBECTL, noted) or []
    assert noted_lines([policy], noted) is not None
    assert noted_lines([policy, {"more": 1}], noted) is None  # more containers than lines
    assert noted_lines([policy["spec"]], noted) is None  # fewer
    assert noted_lines([policy], noted[:-1]) is None


def test_every_yaml_file_of_the_project_decodes_the_same_either_way() -> None:
    files = [
        path
        for folder in ("tests", "examples", "rendered", "docs")
        for path in sorted((ROOT / folder).rglob("*.y*ml"))
        if path.is_file()
    ]
    answered = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert _agrees(text), path
        answered += documents(text) is not None
    assert answered >= len(files) // 2  # the fast path is the common one


_KEYS = st.sampled_from(
    ["a", "name", "app.kubernetes.io/name", "on", "yes", "80", "~", "-x", "a b", "x:y", "<<", ""]
)
_SCALARS = st.one_of(
    st.sampled_from(
        ["yes", "No", "1.5", "0x1f", "017", "1:30", "2024-01-01", "null", "", " x", "a # b"]
    ),
    st.text(alphabet="ab -:#'\"{}[],&*!|>?%@`\\09.", max_size=8),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
_TREES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=_TREES,
    indent=st.sampled_from([2, 4]),
    start=st.booleans(),
    width=st.sampled_from([20, 80]),
)
def test_dumped_trees_read_back_as_libyaml_reads_them(
    tree: Any, indent: int, start: bool, width: int
) -> None:
    text = yaml.safe_dump(
        tree, default_flow_style=False, indent=indent, explicit_start=start, width=width
    )
    assert _agrees(text)


_NOISE = st.sampled_from([*" -:#'\"{}[]&*!|>?%@`\n\\\tab01.~", "\n  ", "- ", ": ", " #"])


@settings(max_examples=500, deadline=None)
@given(
    base=st.sampled_from([KUBECTL, HELM, *IN_SUBSET.values()]),
    edits=st.lists(st.tuples(st.floats(0, 1), st.booleans(), _NOISE), min_size=1, max_size=4),
)
def test_mutated_manifests_are_read_exactly_or_not_at_all(
    base: str, edits: list[tuple[float, bool, str]]
) -> None:
    text = base
    for where, insert, noise in edits:
        at = int(where * len(text))
        text = text[:at] + noise + text[at + (0 if insert else 1) :]
    assert _agrees(text)


def test_a_text_left_to_libyaml_notes_no_lines() -> None:
    """The lines of a half-read text are not what `noted_lines` would read back: none stay."""
    lines = [7]
    assert documents(KUBECTL + "extra: [1, 2]\n", lines) is None
    assert lines == [7]


def test_a_timestamp_that_is_no_date_is_left_to_libyaml() -> None:
    assert documents("a: 2024-02-31\n") is None


@pytest.mark.parametrize(
    "text",
    ["k" * 1025 + ": 1\n", "a: 1\n" + "b" * 1030 + ": 2\n", "- " + "k" * 1100 + ": 1\n",
     "'" + "k" * 1100 + "': 1\n"],
    ids=["plain", "second key", "in an item", "quoted"],
)  # fmt: skip
def test_a_key_longer_than_yaml_allows_is_left_to_libyaml(text: str) -> None:
    """A simple key ends within 1024 characters of its start, or libyaml refuses it."""
    assert _reference(text) is None
    assert documents(text) is None
