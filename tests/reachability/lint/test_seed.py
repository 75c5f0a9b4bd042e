"""`lint` on the seed's YAML examples (tests/data/lint/seed, copied verbatim): each gives exactly
the findings expected of it, the two bugs the seed lived through first of all."""

from __future__ import annotations

from pathlib import Path

import pytest

from reachability._block_yaml import documents
from reachability.lint import Finding, has_errors, lint_paths
from tests.support.paths import DATA

DATA = DATA / "lint"
SEED = DATA / "seed"


def ids(findings: tuple[Finding, ...]) -> list[tuple[str, str, str]]:
    return sorted((f.id, f.severity, f.field) for f in findings)


EXPECTED = {
    "default-deny-ingress": [("NP006", "warning", "spec.podSelector")],
    "default-deny-egress": [
        ("NP005", "error", "spec.policyTypes"),
        ("NP006", "warning", "spec.podSelector"),
    ],
    "default-deny-all": [
        ("NP005", "error", "spec.policyTypes"),
        ("NP006", "warning", "spec.podSelector"),
    ],
    "dev-environment-policy": [
        ("NP001", "error", "spec.egress[0].to"),
        ("NP002", "error", "spec.egress[0].to[0].namespaceSelector.matchLabels.name"),
        ("NP002", "error", "spec.ingress[0].from[0].namespaceSelector.matchLabels.name"),
        ("NP004", "error", "spec.egress[1].to[0].ipBlock"),
        ("NP005", "error", "spec.egress"),
        ("NP006", "warning", "spec.podSelector"),
        ("NP011", "warning", "spec.egress[1].to[0].ipBlock"),
    ],
    "allow-same-namespace": [],
    "database-access": [],
}


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_each_seed_example_gives_the_expected_findings(example: str) -> None:
    findings = lint_paths([SEED / f"{example}.yaml"])
    assert ids(findings) == sorted(EXPECTED[example])
    assert all(f.file == str(SEED / f"{example}.yaml") for f in findings)
    assert all(f.line for f in findings), "every finding points at a line of the file"


def test_the_or_peer_dns_rule_is_an_error_that_names_the_merge() -> None:
    findings = lint_paths([SEED / "dev-environment-policy.yaml"])
    (or_peers,) = [f for f in findings if f.id == "NP001"]
    assert or_peers.obj == "NetworkPolicy dev-pr-123/dev-environment-policy"
    assert or_peers.line == 20  # `- to:` of the DNS rule
    assert "OR-ed" in or_peers.message and "AND" in or_peers.message
    assert "namespaceSelector" in or_peers.fix and "podSelector" in or_peers.fix
    assert has_errors(findings)


def test_the_seed_metadata_and_name_label_findings_point_at_their_lines() -> None:
    findings = lint_paths([SEED / "dev-environment-policy.yaml"])
    lines = {(f.id, f.field): f.line for f in findings}
    assert lines[("NP002", "spec.ingress[0].from[0].namespaceSelector.matchLabels.name")] == 17
    assert lines[("NP002", "spec.egress[0].to[0].namespaceSelector.matchLabels.name")] == 23
    assert lines[("NP004", "spec.egress[1].to[0].ipBlock")] == 34
    metadata = next(f for f in findings if f.id == "NP004")
    assert "169.254.169.254" in metadata.message and "169.254.169.254/32" in metadata.fix


def test_db_migrate_bug_ingress_only_fix_is_flagged_on_the_egress_side() -> None:
    """The seed's second bug: under default deny, the ingress-only same-namespace rule still
    leaves web's init container unable to reach postgres, because egress is denied."""
    findings = lint_paths([DATA / "scenarios" / "db-migrate"])
    (intra,) = [f for f in findings if f.id == "NP006"]
    assert intra.severity == "warning"  # isolation may be intended
    assert "web -> postgres" in intra.message and "egress denied" in intra.message
    assert "egress side is what is missing" in intra.fix
    moot = [f for f in findings if f.id == "NP007"]
    assert [f.obj for f in moot] == ["NetworkPolicy dev-pr-123/allow-same-namespace"]
    assert not has_errors(findings)


def test_db_migrate_real_fix_lints_clean() -> None:
    assert lint_paths([DATA / "scenarios" / "db-migrate-fixed"]) == ()


def test_all_seed_examples_together() -> None:
    """In one namespace (dev-pr-123) the examples combine: DNS stays unreachable, intra-namespace
    traffic is partly denied, and every structural finding stays where it was."""
    findings = lint_paths([SEED])
    by_id = sorted({f.id for f in findings})
    assert by_id == ["NP001", "NP002", "NP004", "NP005", "NP006", "NP011"]
    (dns,) = [f for f in findings if f.id == "NP005"]
    assert dns.obj.startswith("NetworkPolicy dev-pr-123/")
    assert {f.obj for f in findings if f.id == "NP006"} == {
        "NetworkPolicy dev-pr-123/default-deny-all",
        "NetworkPolicy myteam-myproject-pr-123/default-deny-ingress",
    }


def test_lines_are_the_same_whichever_reader_reads_the_file(tmp_path: Path) -> None:
    """The fast reader notes lines as it goes; a file it leaves to libyaml (here, for one
    anchor) is composed instead, and the findings point at the same lines."""
    source = SEED / "dev-environment-policy.yaml"
    text = source.read_text(encoding="utf-8")
    assert documents(text) is not None
    anchored = tmp_path / "dev-environment-policy.yaml"
    anchored.write_text(text.replace("kind: NetworkPolicy", "kind: &kind NetworkPolicy", 1))
    assert documents(anchored.read_text(encoding="utf-8")) is None
    fast = {(f.id, f.field): f.line for f in lint_paths([source])}
    composed = {(f.id, f.field): f.line for f in lint_paths([anchored])}
    assert fast == composed
    assert fast[("NP001", "spec.egress[0].to")] == 20


def test_a_finding_points_into_its_own_object_when_another_has_its_name(tmp_path: Path) -> None:
    """The same kind and name in `default` (no namespace written) and in `prod`."""
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n"
        "  namespace: prod\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n"
        "        cidr: 10.0.0.0/8\n        except: [192.168.0.0/16]\n"
    )
    [found] = [f for f in lint_paths([path]) if f.obj == "NetworkPolicy prod/np"]
    assert found.line == 20  # `except:`, not the first object's `spec:` (line 5)


def test_items_of_a_typed_list_without_their_kind_have_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicyList\nitems:\n- metadata:\n"
        "    name: np\n    namespace: prod\n  spec:\n    podSelector: {}\n    ingress:\n"
        "    - from:\n      - ipBlock:\n          cidr: 10.0.0.0/8\n"
        "          except: [192.168.0.0/16]\n"
    )
    [found] = [f for f in lint_paths([path]) if f.obj == "NetworkPolicy prod/np"]
    assert found.line == 13
