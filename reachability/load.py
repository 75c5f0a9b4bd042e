"""Files and folders -> decoded documents -> a Cluster.

Folders are read recursively (*.yaml, *.yml, *.json, in sorted order; hidden entries skipped),
YAML files may hold several documents, and unreadable files are problems reported with the
manifest problems, not one at a time.

Decoding (`decoding.py`) and parsing are each about half of a large load; with `parallel`, a
forked child decodes the files while this process parses them, and decodes the next one itself
whenever none has arrived (`_ahead.py`). The garbage collector is paused while the (acyclic)
documents are built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubefacts.api import DEFAULT_NAMESPACE
from kubefacts.cluster_network_policy import CLUSTER_POLICY_KINDS
from reachability import _ahead
from reachability._frozen import plain_copy
from reachability._parse import Document, ParseMemo, parse_documents
from reachability.cluster import Cluster, build_cluster
from reachability.decoding import collector_paused, decode
from reachability.located import Located
from reachability.model import DEFAULT_OPTIONS, Options
from reachability.problems import ManifestError, Problem

SUFFIXES = (".yaml", ".yml", ".json")
NO_MANIFESTS = "no manifest files (*.yaml, *.yml, *.json) in this folder"


def load(
    paths: Sequence[str | Path],
    *,
    options: Options = DEFAULT_OPTIONS,
    namespaces: Iterable[str] | None = None,
    located: Located | None = None,
    parallel: bool = False,
) -> Cluster:
    """Every Namespace, Pod and NetworkPolicy in `paths`; ManifestError lists every problem.

    `namespaces`: read only these namespaces' Namespace, Pods, workloads and NetworkPolicies,
    for a question that cannot involve any other object: a file that cannot hold one of them is
    not even decoded, and problems of the other objects go unreported.
    `located`: filled with the documents read and the lines of their keys (see Located).
    `parallel`: files of more than PARALLEL_BYTES in all are decoded by a forked child while
    this process parses them, and by this process when none has arrived (see `_ahead`; the
    CLI's choice): the same cluster, sooner."""
    within = None if namespaces is None else frozenset(namespaces)
    return _load(paths, options, within, located, _Shared.new(parallel=parallel, shared=False))


def load_each(
    path_sets: Iterable[Sequence[str | Path]],
    *,
    options: Options = DEFAULT_OPTIONS,
    parallel: bool = False,
) -> Iterator[Cluster]:
    """`load` of each path set in turn, lazily (the next set is read when asked for), as
    separate loads would give them; a file whose bytes an earlier set already read is decoded
    and parsed once (its objects then name their own set's file). For diff's two sides, which
    are mostly the same files."""
    shared = _Shared.new(parallel=parallel, shared=True)
    try:
        for paths in path_sets:
            yield _load(paths, options, None, None, shared)
    finally:
        shared.close()


PARALLEL_BYTES = 1 << 21
"""Below 2 MiB of files, starting a child and handing documents over costs what it saves."""
PARALLEL_FILES = 4
"""Nor with fewer files: one is decoded while this process waits, and parsed while the child
waits."""

_Key = tuple[bytes, bool]
"""A file's bytes, as a digest, and whether it is read as JSON: what decoding it depends on."""


@dataclass(frozen=True, slots=True)
class _FileRead:
    """One file, read and decoded: its documents' bodies (None when a file read before had the
    same `key`: its bodies are used), the problem that stopped it, and the lines the fast
    reader noted (as `Located.note` takes them: plain numbers, which survive a pickle)."""

    name: str
    bodies: list[Any] | None
    problem: Problem | None = None
    key: _Key | None = None
    lines: Sequence[int] = ()

    @property
    def shared(self) -> bool:
        """Whether a later file with the same key takes these bodies (or took a read's before):
        not after a problem, which names its file, so the file is decoded wherever it is met."""
        return self.key is not None and self.problem is None


@dataclass(slots=True)
class _Shared:
    """What one load, or `load_each` from one set to the next, carries: each shared file's
    decoded bodies by key, the objects parsed from them, and the child decoding ahead."""

    decoded: dict[_Key, list[Any]] | None
    parsed: ParseMemo | None
    parallel: bool
    ahead: _ahead.Ahead | None = None

    @staticmethod
    def new(*, parallel: bool, shared: bool) -> _Shared:
        return _Shared({} if shared else None, ParseMemo() if shared else None, parallel)

    def reads(
        self, files: Sequence[Path], within: frozenset[str] | None, lines: bool
    ) -> Iterator[_FileRead]:
        """Each file read, in order (shared with earlier reads unless `lines` are wanted)."""
        known = None if lines else self.decoded
        if self.ahead is None and self.parallel and _worth_a_child(files):
            self.ahead = _ahead.Ahead(
                _reader(within, lines, known is not None),
                # here, files are taken out of order: only what was met before them is known
                lambda path: _read(path, within, lines, known),
            )
        if self.ahead is not None:
            return self.ahead.map(files)
        return (_read(path, within, lines, known) for path in files)

    def close(self) -> None:
        if self.ahead is not None:
            self.ahead.close()


def _worth_a_child(files: Sequence[Path]) -> bool:
    if len(files) < PARALLEL_FILES or not _ahead.available():
        return False
    size = 0
    for path in files:
        try:
            size += path.stat().st_size
        except OSError:
            continue  # reported when read
        if size >= PARALLEL_BYTES:
            return True
    return False


def _load(
    paths: Sequence[str | Path],
    options: Options,
    within: frozenset[str] | None,
    located: Located | None,
    shared: _Shared,
) -> Cluster:
    with collector_paused():
        problems: list[Problem] = []
        documents = _documents(paths, within, located, shared, problems)
        try:
            parsed = parse_documents(documents, within, shared.parsed)
        except ManifestError as error:
            problems.extend(error.problems)
        finally:
            if shared.decoded is None:
                shared.close()
    if problems:
        rank = {str(path): i for i, path in enumerate(manifest_files(paths)[0])}
        problems.sort(key=lambda problem: rank.get(problem.file, -1))  # stable: by file
        raise ManifestError(problems)
    return build_cluster(parsed, options)


def from_manifests(
    docs: Iterable[Mapping[str, Any]],
    *,
    source: str = "<memory>",
    options: Options = DEFAULT_OPTIONS,
    copy: bool = True,
) -> Cluster:
    """The same from already-decoded manifests (what components/ renders, what CrossGuard sees).

    The documents are deep-copied first, so that later changes by the caller cannot reach the
    cluster. `copy=False` is for a caller that hands over plain dicts and lists (no read-only
    views) which neither it nor anyone else will change: they are used as they are (a policy's
    `manifest` is then a read-only view of the caller's dict), without the copy's cost."""
    documents = [
        Document(source, f"document {i + 1}", plain_copy(doc) if copy else doc)
        for i, doc in enumerate(docs)
    ]
    return build_cluster(parse_documents(documents), options)


def manifest_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The files to read, in order, and a problem for each path that does not exist."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            if not found:
                problems.append(Problem(str(raw), "", "", NO_MANIFESTS))
            files.extend(sorted(found))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(raw), "", "", "no such file or folder"))
    return list(dict.fromkeys(files)), problems


def read_documents(
    paths: Sequence[str | Path],
    within: frozenset[str] | None = None,
    located: Located | None = None,
) -> tuple[list[Document], list[Problem]]:
    """Every decoded document of `paths`, and the problems of paths that could not be read;
    with `within`, only of the files that may hold an object of those namespaces; with
    `located`, noting the documents and the lines of what the fast reader decodes."""
    problems: list[Problem] = []
    shared = _Shared.new(parallel=False, shared=False)
    return list(_documents(paths, within, located, shared, problems)), problems


def _documents(
    paths: Sequence[str | Path],
    within: frozenset[str] | None,
    located: Located | None,
    shared: _Shared,
    problems: list[Problem],
) -> Iterator[Document]:
    """The documents of `paths` as they are read, their problems appended to `problems`."""
    files, missing = manifest_files(paths)
    problems.extend(missing)
    for read in shared.reads(files, within, located is not None):
        if read.problem is not None:
            problems.append(read.problem)
        bodies = read.bodies
        if read.shared and shared.decoded is not None:
            if bodies is None:
                bodies = shared.decoded[read.key]
            else:
                bodies = shared.decoded.setdefault(read.key, bodies)
        for i, body in enumerate(bodies or ()):
            document = Document(read.name, f"document {i + 1}", body)
            if located is not None:
                located.documents.append(document)
            yield document
        if located is not None and read.lines:
            located.note(read.name, bodies, read.lines)  # type: ignore[arg-type]


def _reader(within: frozenset[str] | None, lines: bool, share: bool) -> Callable[[Path], _FileRead]:
    """`_read` for the child: it remembers the keys it has sent, as `_Shared.decoded` does."""
    sent: set[_Key] = set()

    def read(path: Path) -> _FileRead:
        found = _read(path, within, lines, sent if share else None)
        if found.shared and found.bodies is not None:
            sent.add(found.key)  # type: ignore[arg-type]
        return found

    return read


def _read(
    path: Path,
    within: frozenset[str] | None,
    lines: bool,
    known: Container[_Key] | None,
) -> _FileRead:
    """`path` decoded, unless it cannot hold an object of `within`, or its key is `known`."""
    name = str(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _FileRead(name, None, Problem(name, "", "", "is not UTF-8 text"))
    except OSError as error:
        return _FileRead(
            name, None, Problem(name, "", "", f"cannot be read: {error.strerror or error}")
        )
    if "\r" in text:  # universal newlines, as reading in text mode gives them
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if within is not None and not _may_hold(text, within):
        return _FileRead(name, [])
    key = None
    if known is not None:
        key = (hashlib.blake2b(data, digest_size=16).digest(), path.suffix.lower() == ".json")
        if key in known:
            return _FileRead(name, None, key=key)
    noted: list[int] | None = [] if lines else None
    documents, problem = decode(path, text, noted)
    return _FileRead(name, [document.body for document in documents], problem, key, noted or ())


def _may_hold(text: str, namespaces: frozenset[str]) -> bool:
    """Whether `text` may hold an object of `namespaces`. An object's namespace (or a Namespace's
    name) is written in its file as it is, unless escaped (a backslash in YAML double quotes or
    JSON); an omitted one is `default`. Names hold no spaces, so no line folding can split one."""
    return (
        DEFAULT_NAMESPACE in namespaces
        or any(kind in text for kind in CLUSTER_POLICY_KINDS)  # cluster-wide: may govern any
        or "\\" in text
        or any(namespace in text for namespace in namespaces)
    )
