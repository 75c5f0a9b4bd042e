"""Lint output: text for people, json for tools, GitHub workflow commands for PR annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .registry import Finding, counts

FORMATS = ("text", "json", "github")
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def render(findings: Sequence[Finding], fmt: str, note: str | None = None) -> str:
    """`note`: the endpoints line (see `endpoints_note`), printed before the summary line of
    the text formats; None when the manifests could not be analysed."""
    if fmt == "json":
        return json.dumps([f.to_json() for f in findings], indent=2, sort_keys=True) + "\n"
    tail = (f"{note}\n" if note else "") + summary(findings) + "\n"
    if fmt == "github":
        return "".join(_github(f) + "\n" for f in findings) + tail
    return "".join(_text(f) for f in findings) + tail


def summary(findings: Sequence[Finding]) -> str:
    if not findings:
        return "no findings"
    n = counts(findings)
    files = len({f.file for f in findings})
    parts = [
        f"{n[s]} {s}{'' if n[s] == 1 or s == 'info' else 's'}" for s in ("error", "warning", "info")
    ]
    return f"{', '.join(parts)} in {files} file{'' if files == 1 else 's'}"


def _place(item: Finding) -> str:
    return f"{item.file}:{item.line}" if item.line else item.file


def _text(item: Finding) -> str:
    return (
        f"{_place(item)}: {item.severity} {item.id} {item.obj} {item.field}\n"
        f"    {item.message}\n"
        f"    fix: {item.fix}\n"
    )


def _github(item: Finding) -> str:
    """`::error file=F,line=L,title=T::MESSAGE`, escaped as the runner expects."""
    props = [f"file={_property(item.file)}"]
    if item.line:
        props.append(f"line={item.line}")
    props.append(f"title={_property(f'{item.id} {item.title}')}")
    body = f"{item.obj} {item.field}: {item.message}\nfix: {item.fix}"
    return f"::{_GITHUB_LEVEL[item.severity]} {','.join(props)}::{_data(body)}"


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
