"""`check` expectations: a YAML (or JSON) list of {from, to, port, protocol, allowed}.

`from`/`to` are `namespace/pod` or an IP address, `protocol` defaults to TCP (any case), and
other keys (a name, a comment) are ignored so that corpora can carry their own notes.
Problems are collected like manifest problems: one line each, naming the entry and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kubefacts.api import PROTOCOLS
from reachability.decoding import yaml_documents
from reachability.problems import ManifestError, Problem


@dataclass(frozen=True, slots=True)
class Expectation:
    src: str
    dst: str
    port: int
    protocol: str
    allowed: bool


def read_expectations(path: str | Path) -> tuple[Expectation, ...]:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError([Problem(name, "", "", "no such expectations file")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError([Problem(name, "", "", f"cannot be read: {error}")]) from None
    try:
        documents = list(yaml_documents(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        detail = getattr(error, "problem", None) or "syntax error"
        raise ManifestError([Problem(name, "", where, f"is not valid YAML: {detail}")]) from None
    if len(documents) > 1:
        raise ManifestError([Problem(name, "", "", "must hold one YAML document, a list")])
    return parse_expectations(documents[0] if documents else None, name)


def parse_expectations(data: Any, source: str = "<memory>") -> tuple[Expectation, ...]:
    if not isinstance(data, list):
        message = "must be a list of {from, to, port, protocol, allowed}"
        raise ManifestError([Problem(source, "", "", message)])
    problems: list[Problem] = []
    found: list[Expectation] = []
    for i, entry in enumerate(data):
        where = f"expectation {i + 1}"
        before = len(problems)

        def add(field: str, message: str, where: str = where) -> None:
            problems.append(Problem(source, where, field, message))

        if not isinstance(entry, Mapping):
            add("", "must be a mapping with from, to, port, protocol and allowed")
            continue
        src, dst = entry.get("from"), entry.get("to")
        for key, value in (("from", src), ("to", dst)):
            if not isinstance(value, str) or not value:
                add(key, "is required: namespace/pod or an IP address")
        port = entry.get("port")
        if isinstance(port, str) and port.isascii() and port.isdigit():
            port = int(port)
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            add("port", "must be a port number between 1 and 65535")
        protocol = entry.get("protocol", "TCP")
        if not isinstance(protocol, str) or protocol.upper() not in PROTOCOLS:
            add("protocol", f"{protocol!r} is not supported: use TCP, UDP or SCTP")
        expected = entry.get("allowed")
        if not isinstance(expected, bool):
            add("allowed", "must be true or false")
        if len(problems) == before:
            found.append(Expectation(src, dst, port, protocol.upper(), expected))
    if problems:
        raise ManifestError(problems)
    return tuple(found)
