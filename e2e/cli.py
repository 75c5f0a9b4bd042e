"""``python -m e2e plan|predict|measure|compare``: the steps of .github/workflows/e2e-kind.yml.

    plan     -f RENDERED... --out DIR [--external IP:PORT/PROTO ...] [--allow-all NAMESPACE ...]
             DIR/manifests/probe-pods.yaml  (kubectl apply it), DIR/manifests/fixtures.yaml
             (already in the cluster, for the prediction), DIR/plan.json, DIR/namespaces.txt,
             DIR/cluster-policies.txt (the ClusterNetworkPolicies teardown must remove), and with
             --allow-all DIR/manifests/allow-all.yaml (hostile policies: kubectl apply it too)
    predict  -f RENDERED... -f DIR/manifests --plan DIR/plan.json --out predicted.json
    measure  -f DIR/manifests --plan DIR/plan.json --out measured.json     (needs kubectl)
    compare  --predicted predicted.json --measured measured.json [--format text|md|json]

Errors a user can cause print one line on stderr and exit 2; compare exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from e2e.compare import compare, render
from e2e.errors import InputError
from e2e.guardrails import cluster_policy_names, hostile_policies
from e2e.manifests import dump_manifests, load_manifests
from e2e.measure import measure, wait_listening
from e2e.outcomes import outcomes_from_json, outcomes_to_json
from e2e.plan import PlanError, parse_external, plan_from_json, plan_to_json, probe_plan
from e2e.probes import Layout, probe_set
from kubefacts.layout import dns_label_text
from reachability import UserError


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (InputError, UserError, OSError) as error:  # one line, no traceback
        print(f"e2e {args.command}: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug: still one line
        print(
            f"e2e {args.command}: internal error: {type(error).__name__}: {error} "
            "(please report it)",
            file=sys.stderr,
        )
        return 2


def _plan(args: argparse.Namespace) -> int:
    rendered = load_manifests(args.files)
    layout = Layout(
        ingress_namespace=args.ingress_namespace,
        dns_namespace=args.dns_namespace,
        dns_labels=tuple(_label(text) for text in args.dns_label) or Layout().dns_labels,
    )
    probes = probe_set(rendered, layout)
    hostile = hostile_policies(args.allow_all, probes.environment_namespaces)
    externals = [parse_external(text) for text in args.external]
    plan = probe_plan([*probes.apply, *probes.fixtures], externals)
    out = Path(args.out)
    (out / "manifests").mkdir(parents=True, exist_ok=True)
    (out / "manifests" / "probe-pods.yaml").write_text(dump_manifests(probes.apply))
    (out / "manifests" / "fixtures.yaml").write_text(dump_manifests(probes.fixtures))
    hostile_file = out / "manifests" / "allow-all.yaml"
    if hostile:
        hostile_file.write_text(dump_manifests(hostile))
    else:  # a plan made again into the same folder must not keep an earlier plan's policies
        hostile_file.unlink(missing_ok=True)
    _write_json(out / "plan.json", plan_to_json(plan))
    (out / "namespaces.txt").write_text("".join(f"{ns}\n" for ns in probes.environment_namespaces))
    cluster_policies = cluster_policy_names(rendered)
    (out / "cluster-policies.txt").write_text("".join(f"{name}\n" for name in cluster_policies))
    pods = sum(1 for doc in probes.apply if doc["kind"] == "Pod")
    extras = [f"{len(hostile)} allow-all policies"] if hostile else []
    if cluster_policies:
        extras.append(f"{len(cluster_policies)} ClusterNetworkPolicies")
    print(
        f"{pods} probe pods in {len(probes.environment_namespaces)} environments, "
        f"{len(plan)} probes -> {out}" + "".join(f"; {extra}" for extra in extras)
    )
    return 0


def _predict(args: argparse.Namespace) -> int:
    from e2e.predict import predict  # reachability is only needed here

    plan = plan_from_json(_read_json(args.plan), args.plan)
    outcomes = predict(load_manifests(args.files), plan)
    _write_json(Path(args.out), outcomes_to_json(outcomes))
    allowed = sum(1 for outcome in outcomes if outcome.allowed)
    print(f"{len(outcomes)} probes predicted: {allowed} allowed, {len(outcomes) - allowed} denied")
    return 0


def _measure(args: argparse.Namespace) -> int:
    manifests = load_manifests(args.files)
    plan = plan_from_json(_read_json(args.plan), args.plan)
    wait_listening(manifests, kubectl=args.kubectl)
    outcomes = measure(
        plan,
        manifests,
        kubectl=args.kubectl,
        parallel=args.parallel,
        timeout_s=args.timeout,
        attempts=args.attempts,
    )
    _write_json(Path(args.out), outcomes_to_json(outcomes))
    allowed = sum(1 for outcome in outcomes if outcome.allowed)
    failed = sum(1 for outcome in outcomes if outcome.allowed is None)
    print(
        f"{len(outcomes)} probes measured: {allowed} allowed, "
        f"{len(outcomes) - allowed - failed} denied, {failed} not measurable"
    )
    return 0


def _compare(args: argparse.Namespace) -> int:
    predicted = outcomes_from_json(_read_json(args.predicted), args.predicted)
    measured = outcomes_from_json(_read_json(args.measured), args.measured)
    comparison = compare(predicted, measured)
    sys.stdout.write(render(comparison, args.format))
    return comparison.exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    plan = sub.add_parser(
        "plan", help="probe pods, fixtures and the probe plan for rendered stacks"
    )
    _files(plan, "rendered stack manifests (files or folders; repeatable)")
    plan.add_argument("--out", required=True, help="folder to write into")
    plan.add_argument("--external", action="append", default=[], metavar="IP:PORT[/PROTO]")
    plan.add_argument(
        "--allow-all",
        action="append",
        default=[],
        metavar="NAMESPACE",
        help="also write a hostile allow-all NetworkPolicy for this environment's namespace "
        "(repeatable), to apply and to predict with",
    )
    plan.add_argument("--ingress-namespace", default=Layout().ingress_namespace)
    plan.add_argument("--dns-namespace", default=Layout().dns_namespace)
    plan.add_argument(
        "--dns-label",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"label of the cluster DNS pods (repeatable; default {dns_label_text()})",
    )
    plan.set_defaults(run=_plan)

    predict = sub.add_parser("predict", help="reachability's verdict for every probe")
    _files(predict, "rendered stacks plus the plan's manifests folder")
    predict.add_argument("--plan", required=True)
    predict.add_argument("--out", required=True)
    predict.set_defaults(run=_predict)

    meas = sub.add_parser("measure", help="run every probe with kubectl exec")
    _files(meas, "the plan's manifests folder (probe pods and fixtures)")
    meas.add_argument("--plan", required=True)
    meas.add_argument("--out", required=True)
    meas.add_argument("--kubectl", default="kubectl")
    meas.add_argument("--parallel", type=int, default=8)
    meas.add_argument("--timeout", type=int, default=2, help="seconds per attempt")
    meas.add_argument("--attempts", type=int, default=2, help="tries before a denial counts")
    meas.set_defaults(run=_measure)

    comp = sub.add_parser("compare", help="measured vs predicted; exit 1 on any difference")
    comp.add_argument("--predicted", required=True)
    comp.add_argument("--measured", required=True)
    comp.add_argument("--format", choices=("text", "md", "json"), default="text")
    comp.set_defaults(run=_compare)
    return parser


def _files(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument(
        "-f", "--file", dest="files", action="append", required=True, metavar="PATH", help=help_text
    )


def _label(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise PlanError(f"--dns-label {text!r}: expected KEY=VALUE, e.g. {dns_label_text()}")
    return key, value


def _read_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PlanError(f"{path}: not valid JSON: {error}") from error


def _write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n", encoding="utf-8")
