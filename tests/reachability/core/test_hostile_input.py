"""Careless and hostile manifests: one clear problem naming the file, object and field, quickly,
and nothing accepted that the API server would reject."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from reachability import ManifestError, from_manifests, load
from reachability.cli import main
from tests.support.builders import namespace, netpol, peer, pod


def _pod_at(ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "a"},
        "status": {"podIP": ip},
    }


def _problems(docs: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(ManifestError) as raised:
        from_manifests(docs)
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize("length", [30_000, 60_000])
def test_an_over_long_address_is_rejected_at_once(length: int) -> None:
    text = "1." * (length // 2)
    started = time.perf_counter()
    found = _problems([_pod_at(text)])
    assert time.perf_counter() - started < 1.0
    assert len(found) == 1 and "status.podIP" in found[0] and "not an IPv4 or IPv6" in found[0]
    assert len(found[0]) < 400  # the value is cut in the message
    policy = netpol("a", "p", {}, egress=[{"to": [peer(cidr=text + "/8")]}])
    started = time.perf_counter()
    found = _problems([policy])
    assert time.perf_counter() - started < 1.0
    assert len(found) == 1 and "ipBlock.cidr" in found[0]


@pytest.mark.parametrize("text", ["\u0661\u0660.0.0.1", "10.0.0.\u0663", "\uff110.0.0.1"])
def test_non_ascii_digits_are_not_an_address(text: str) -> None:
    (found,) = _problems([_pod_at(text)])
    assert "not an IPv4 or IPv6 address" in found
    policy = netpol("a", "p", {}, egress=[{"to": [peer(cidr=f"{text}/32")]}])
    (found,) = _problems([policy])
    assert "not a valid IPv4 or IPv6 CIDR" in found


def test_a_mapped_cidr_and_its_except_are_compared_by_the_lengths_as_written() -> None:
    """ValidateIPBlock compares `cidrMaskLen >= exceptMaskLen` on the masks as parsed: 104 for
    `::ffff:10.0.0.0/104` against 16 for `10.1.0.0/16`, so the API rejects the except although
    both name IPv4 ranges; the other way round (/8 against /112) it accepts."""
    rejected = netpol(
        "a", "p", {}, egress=[{"to": [peer(cidr="::ffff:10.0.0.0/104", except_=["10.1.0.0/16"])]}]
    )
    (found,) = _problems([rejected])
    assert "except[0]" in found and "strict subset" in found
    accepted = netpol(
        "a", "q", {}, egress=[{"to": [peer(cidr="10.0.0.0/8", except_=["::ffff:10.1.0.0/112"])]}]
    )
    assert from_manifests([accepted]).policies[0].egress[0].peers[0].ip_block is not None


def test_duplicate_keys_in_a_manifest_are_a_problem(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: a\n"
        "  labels: {app: web}\n  labels: {app: db}\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError) as raised:
        load([tmp_path])
    (problem,) = raised.value.problems
    assert "duplicate key 'labels'" in str(problem) and "line 7" in str(problem)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("expect", "message"),
    [
        ("- {from: a/web, to: a/web, port: '²', allowed: true}\n", "expectation 1: port"),
        ("- {from: a/web, from: a/db, to: a/web, port: 80, allowed: true}\n", "duplicate key"),
    ],
)
def test_check_expectations_name_the_entry_and_field(
    tmp_path: Path, expect: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    manifests = tmp_path / "m"
    manifests.mkdir()
    _write(manifests, "c.yaml", yaml.safe_dump_all([namespace("a"), pod("a", "web")]))
    expectations = _write(tmp_path, "e.yaml", expect)
    assert main(["check", "-f", str(manifests), "--expect", str(expectations)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(expectations) in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_json_is_a_problem_naming_the_file(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"kind": "Pod", "spec": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load([tmp_path])
    (problem,) = raised.value.problems
    assert problem.file == str(path) and "nest" in problem.message


@pytest.mark.parametrize("depth", [400, 3_000])
def test_nested_list_kinds_are_read_or_refused_in_one_line(tmp_path: Path, depth: int) -> None:
    """Lists inside Lists: every level's items are objects; deep ones must not crash the reader."""
    inner: dict[str, Any] = pod("a", "web")
    for _ in range(depth):
        inner = {"apiVersion": "v1", "kind": "List", "items": [inner]}
    path = tmp_path / "lists.json"
    path.write_text(json.dumps(inner), encoding="utf-8") if depth < 900 else path.write_text(
        '{"apiVersion": "v1", "kind": "List", "items": [' * depth
        + json.dumps(pod("a", "web"))
        + "]}" * depth,
        encoding="utf-8",
    )
    try:
        cluster = load([tmp_path])
    except ManifestError as error:
        (problem,) = error.problems
        assert problem.file == str(path) and "nest" in problem.message
    else:
        assert [p.id for p in cluster.pods] == ["a/web"]


@pytest.mark.parametrize(
    ("field", "value"), [("containerPort", 8080.0), ("port", 80.0), ("endPort", 90.0)]
)
def test_integral_numbers_written_with_a_point_are_ports(field: str, value: float) -> None:
    """kubectl turns YAML/JSON into JSON numbers, so `80.0` reaches the API server as 80."""
    web = pod("a", "web", {"app": "web"}, ["10.0.0.2"], [{"containerPort": 8080}])
    policy = netpol("a", "p", {}, ingress=[{"ports": [{"port": 80, "endPort": 90}]}])
    if field == "containerPort":
        web["spec"]["containers"][0]["ports"][0]["containerPort"] = value
    else:
        policy["spec"]["ingress"][0]["ports"][0][field] = value
    cluster = from_manifests([namespace("a"), web, policy])
    assert cluster.pods[0].ports[0].port == 8080
    port = cluster.policies[0].ingress[0].ports[0]
    assert (port.port, port.end_port) == (80, 90)
    assert all(type(v) is int for v in (port.port, port.end_port, cluster.pods[0].ports[0].port))
    bad = netpol("a", "q", {}, ingress=[{"ports": [{"port": 80.5}]}])
    (found,) = _problems([bad])
    assert "spec.ingress[0].ports[0].port" in found


def test_generate_name_without_name_is_analysed_under_a_derived_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """kubectl create accepts `metadata.generateName` alone; the API server then appends five
    random characters. The analyzer uses a fixed stand-in for them, and says so on stderr."""
    web = pod("a", "web", {"app": "web"}, ["10.0.0.2"])
    del web["metadata"]["name"]
    web["metadata"]["generateName"] = "web-"
    (tmp_path / "c.yaml").write_text(yaml.safe_dump_all([namespace("a"), web]), encoding="utf-8")
    cluster = load([tmp_path])
    assert [p.id for p in cluster.pods] == ["a/web-xxxxx"]
    assert main(["matrix", "-f", str(tmp_path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert '"a/web-xxxxx"' in captured.out
    assert "note:" in captured.err and "generateName" in captured.err
    assert "web-xxxxx" in captured.err and len(captured.err.splitlines()) == 1
    del web["metadata"]["generateName"]
    (found,) = _problems([namespace("a"), web])
    assert "metadata.name: is required" in found


@pytest.mark.parametrize("name", ["a\x1eb", "a\rb", "a\u2028b"])
def test_a_name_with_a_line_break_character_is_still_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """Found by the fuzz test: readers split lines on more than \\n."""
    (tmp_path / "c.json").write_text(json.dumps(namespace(name)), encoding="utf-8")
    assert main(["matrix", "-f", str(tmp_path)]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


@pytest.mark.parametrize("value", ["2024-02-31", "0000-01-01", "!!timestamp 2024-13-01"])
def test_a_timestamp_that_is_no_date_is_one_problem_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """YAML 1.1 reads `2024-02-31` as a timestamp, which Python cannot construct."""
    path = tmp_path / "ns.yaml"
    path.write_text(f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  x: {value}\n")
    with pytest.raises(ManifestError) as raised:
        load([path])
    (problem,) = raised.value.problems
    assert str(problem).startswith(f"{path}: document 1: is not valid YAML: ")
    assert main(["matrix", "-f", str(path), "--port", "80"]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and len(err.strip().splitlines()) == 1
