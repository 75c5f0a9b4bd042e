"""Diff output: text for a terminal, json for tools, Markdown with a mermaid graph for a PR comment.

Flows are grouped by namespace pair, then by workload pair, with their ports folded into one
line ("TCP 80, 443; UDP 53"), so a reviewer reads one line per pair of workloads that changed.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass

from .flows import Diff, FlowChange

FORMATS = ("text", "json", "md")
EXTERNAL = "(outside the cluster)"
MAX_ROWS = 200
MAX_EDGES = 60


@dataclass(frozen=True, slots=True)
class PairChange:
    """All changed ports of one (source, destination) pair, in one direction of change."""

    src: str
    dst: str
    ports: tuple[tuple[int, str], ...]
    reason: str

    @property
    def src_namespace(self) -> str:
        return _split(self.src)[0]

    @property
    def dst_namespace(self) -> str:
        return _split(self.dst)[0]


def render(result: Diff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(_json(result), indent=2, sort_keys=True) + "\n"
    if fmt == "md":
        return _markdown(result)
    return _text(result)


def group(changes: Sequence[FlowChange]) -> list[PairChange]:
    """One entry per (src, dst): ports folded, reasons joined when ports differ in why."""
    pairs: dict[tuple[str, str], list[FlowChange]] = {}
    for change in changes:
        pairs.setdefault((change.src, change.dst), []).append(change)
    grouped = [
        PairChange(
            src,
            dst,
            tuple(sorted((c.port, c.protocol) for c in flows)),
            " | ".join(dict.fromkeys(c.reason for c in flows)),
        )
        for (src, dst), flows in pairs.items()
    ]
    return sorted(grouped, key=lambda p: (p.src_namespace, p.dst_namespace, p.src, p.dst))


def ports_text(ports: Sequence[tuple[int, str]], probed: Sequence[tuple[int, str]] = ()) -> str:
    """ "TCP 80, 443; UDP 53" (or "all probed ports" when every probed port changed)."""
    if probed and set(ports) >= set(probed):
        return "all probed ports"
    by_protocol: dict[str, list[int]] = {}
    for port, protocol in sorted(ports, key=lambda p: (p[1], p[0])):
        by_protocol.setdefault(protocol, []).append(port)
    return "; ".join(f"{proto} {', '.join(map(str, nums))}" for proto, nums in by_protocol.items())


def summary(result: Diff) -> str:
    if not result.changed:
        return "no reachability changes"
    return (
        f"{len(result.became_allowed)} flow(s) become allowed, "
        f"{len(result.became_denied)} become denied"
    )


def _probed(result: Diff) -> str:
    text = f"ports probed: {ports_text(result.ports)}"
    if result.externals:
        text += f"; external addresses: {', '.join(result.externals)}"
    return text


def _pods_note(result: Diff) -> str:
    if not result.representative:
        return "pods: as given"
    return (
        "pods: representative, one per label combination the policies tell apart (`pod`: a pod "
        "with none of those labels; `other-namespace`: any other namespace; "
        "`other-namespace-<labels>`: any other namespace with those labels)"
    )


def _text(result: Diff) -> str:
    lines = [f"reachability diff: {summary(result)}", _probed(result), _pods_note(result)]
    for title, changes in (
        ("became allowed", result.became_allowed),
        ("became denied", result.became_denied),
    ):
        if not changes:
            continue
        lines.append("")
        lines.append(f"{title}:")
        current = None
        for pair in group(changes):
            header = (pair.src_namespace, pair.dst_namespace)
            if header != current:
                lines.append(f"  {header[0]} -> {header[1]}")
                current = header
            lines.append(
                f"    {_split(pair.src)[1]} -> {_split(pair.dst)[1]}  "
                f"{ports_text(pair.ports, result.ports)}  ({pair.reason})"
            )
    return "\n".join(lines) + "\n"


def _json(result: Diff) -> dict[str, object]:
    def flows(changes: Sequence[FlowChange]) -> list[dict[str, object]]:
        return [
            {
                "from": c.src,
                "to": c.dst,
                "port": c.port,
                "protocol": c.protocol,
                "reason": c.reason,
            }
            for c in changes
        ]

    return {
        "changed": result.changed,
        "summary": {
            "became_allowed": len(result.became_allowed),
            "became_denied": len(result.became_denied),
            "allowed_before": result.allowed_before,
            "allowed_after": result.allowed_after,
        },
        "ports": [f"{port}/{protocol}" for port, protocol in result.ports],
        "externals": list(result.externals),
        "representative": result.representative,
        "became_allowed": flows(result.became_allowed),
        "became_denied": flows(result.became_denied),
    }


def _markdown(result: Diff) -> str:
    out = ["### NetworkPolicy reachability diff", ""]
    if not result.changed:
        out += [
            "No flow changes: every probed connection is allowed or denied exactly as before.",
            "",
            f"<sub>{_probed(result)}. {_pods_note(result)}.</sub>",
            "",
        ]
        return "\n".join(out)
    out += [
        f"**{len(result.became_allowed)}** flow(s) become **allowed**, "
        f"**{len(result.became_denied)}** become **denied** "
        f"(allowed flows: {result.allowed_before} before, {result.allowed_after} after).",
        "",
        *_mermaid(result),
        "",
    ]
    for title, changes in (
        ("Newly allowed", result.became_allowed),
        ("Newly denied", result.became_denied),
    ):
        if not changes:
            continue
        pairs = group(changes)
        out += [f"#### {title} ({len(changes)})", ""]
        out += ["| From | To | Ports | Why (after) |", "| --- | --- | --- | --- |"]
        for pair in pairs[:MAX_ROWS]:
            out.append(
                f"| `{pair.src}` | `{pair.dst}` | {ports_text(pair.ports, result.ports)} | "
                f"{_cell(pair.reason)} |"
            )
        if len(pairs) > MAX_ROWS:
            out.append(f"| … | {len(pairs) - MAX_ROWS} more pair(s) | | |")
        out.append("")
    out += [f"<sub>{_probed(result)}. {_pods_note(result)}.</sub>", ""]
    return "\n".join(out)


def _mermaid(result: Diff) -> list[str]:
    """Changed flows as a graph: namespaces as subgraphs; solid green allowed, dashed red denied."""
    edges = [(p, True) for p in group(result.became_allowed)]
    edges += [(p, False) for p in group(result.became_denied)]
    shown = edges[:MAX_EDGES]
    endpoints = sorted({e for pair, _ in shown for e in (pair.src, pair.dst)}, key=_split)
    ids = {endpoint: f"n{i}" for i, endpoint in enumerate(endpoints)}
    lines = ["```mermaid", "flowchart LR"]
    by_namespace: dict[str, list[str]] = {}
    for endpoint in endpoints:
        by_namespace.setdefault(_split(endpoint)[0], []).append(endpoint)
    for index, (namespace, members) in enumerate(sorted(by_namespace.items())):
        lines.append(f'  subgraph s{index}["{namespace}"]')
        lines += [f'    {ids[m]}["{_split(m)[1]}"]' for m in members]
        lines.append("  end")
    green, red = [], []
    for index, (pair, now_allowed) in enumerate(shown):
        arrow = "-->" if now_allowed else "-.->"
        label = ("+ " if now_allowed else "- ") + ports_text(pair.ports, result.ports)
        lines.append(f'  {ids[pair.src]} {arrow}|"{label}"| {ids[pair.dst]}')
        (green if now_allowed else red).append(str(index))
    if green:
        lines.append(f"  linkStyle {','.join(green)} stroke:#1a7f37,stroke-width:2px")
    if red:
        lines.append(f"  linkStyle {','.join(red)} stroke:#cf222e,stroke-width:2px")
    lines.append("```")
    if len(edges) > len(shown):
        lines.append(f"_Graph shows the first {len(shown)} of {len(edges)} changed pairs._")
    return lines


def _split(endpoint: str) -> tuple[str, str]:
    """("namespace", "pod") for a pod, (EXTERNAL, ip) for an address."""
    try:
        ipaddress.ip_address(endpoint)
    except ValueError:
        namespace, _, name = endpoint.partition("/")
        return namespace, name
    return EXTERNAL, endpoint


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
