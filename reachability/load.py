"""Files and folders -> decoded documents -> a Cluster.

Folders are read recursively (*.yaml, *.yml, *.json, in sorted order; hidden entries skipped),
YAML files may hold several documents, and unreadable files are problems reported with the
manifest problems, not one at a time.

Decoding YAML is most of the time spent on large inputs. Text in the block style manifests are
written in is read by `_block_yaml` (line by line, exact or silent); anything else goes to
libyaml's parser and composer and a lean node-to-value conversion for the common tags (plain
strings skip PyYAML's regex-based tag resolution), with anything unusual (explicit tags, merge
keys) through PyYAML's own SafeLoader constructor. Either way the values are `yaml.safe_load`'s.
The garbage collector is paused while the (acyclic) documents are built.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kubefacts.api import DEFAULT_NAMESPACE
from kubefacts.cluster_network_policy import CLUSTER_POLICY_KINDS
from kubefacts.yaml_limits import check_yaml_limits
from reachability import _ahead, _block_yaml
from reachability._frozen import plain_copy
from reachability._parse import Document, ParseMemo, parse_documents
from reachability.cluster import Cluster, build_cluster
from reachability.located import Lines, Located
from reachability.model import DEFAULT_OPTIONS, Options
from reachability.problems import ManifestError, Problem

SUFFIXES = (".yaml", ".yml", ".json")
NO_MANIFESTS = "no manifest files (*.yaml, *.yml, *.json) in this folder"
_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """SafeLoader whose tag resolution skips the regexes for scalars that cannot match them."""

    _first_chars = frozenset(_BaseLoader.yaml_implicit_resolvers)

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if not implicit[0] or (value and value[0] not in self._first_chars):
                return _STR
            return super().resolve(kind, value, implicit)
        return super().resolve(kind, value, implicit)


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    this process parses them (see `_ahead`; the CLI's choice): the same cluster, sooner."""
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
    reader noted, as (mapping or list, its lines) pairs."""

    name: str
    bodies: list[Any] | None
    problem: Problem | None = None
    key: _Key | None = None
    lines: tuple[tuple[Any, dict[Any, int]], ...] = ()


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
            self.ahead = _ahead.Ahead(_reader(within, lines, known is not None))
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
    with _collector_paused():
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
        # A file with a problem is not shared: the problem names its file, so it is decoded
        # again wherever it is met.
        if read.key is not None and read.problem is None and shared.decoded is not None:
            if bodies is None:
                bodies = shared.decoded[read.key]
            else:
                bodies = shared.decoded.setdefault(read.key, bodies)
        for i, body in enumerate(bodies or ()):
            document = Document(read.name, f"document {i + 1}", body)
            if located is not None:
                located.documents.append(document)
            yield document
        if located is not None:
            located.lines.update((id(container), lines) for container, lines in read.lines)


def _reader(within: frozenset[str] | None, lines: bool, share: bool) -> Callable[[Path], _FileRead]:
    """`_read` for the child: it remembers the keys it has sent, as `_Shared.decoded` does."""
    sent: set[_Key] = set()

    def read(path: Path) -> _FileRead:
        found = _read(path, within, lines, sent if share else None)
        if found.key is not None and found.bodies is not None and found.problem is None:
            sent.add(found.key)
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
    noted: Lines | None = {} if lines else None
    documents, problem = _decode(path, text, noted)
    bodies = [document.body for document in documents]
    return _FileRead(name, bodies, problem, key, _pairs(bodies, noted) if noted else ())


def _pairs(bodies: list[Any], lines: Lines) -> tuple[tuple[Any, dict[Any, int]], ...]:
    """The containers of `bodies` that `lines` has, with theirs: the pairs keep meaning across
    a pickle, where ids do not."""
    found = []
    stack = list(bodies)
    while stack:
        value = stack.pop()
        if value.__class__ is dict:
            stack.extend(value.values())
        elif value.__class__ is list:
            stack.extend(value)
        else:
            continue
        noted = lines.get(id(value))
        if noted is not None:
            found.append((value, noted))
    return tuple(found)


def _decode(path: Path, text: str, lines: Lines | None) -> tuple[list[Document], Problem | None]:
    name = str(path)
    if path.suffix.lower() == ".json":
        try:
            return [
                Document(name, "document 1", json.loads(text, object_pairs_hook=_unique_json))
            ], None
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            return [], Problem(name, "", where, f"is not valid JSON: {error.msg}")
        except ValueError as error:  # a duplicate key
            return [], Problem(name, "", "", f"is not valid JSON: {error}")
        except RecursionError:
            return [], Problem(name, "", "", "is not valid JSON: nesting is too deep")
    documents: list[Document] = []
    try:
        for i, body in enumerate(yaml_documents(text, lines)):
            documents.append(Document(name, f"document {i + 1}", body))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        detail = getattr(error, "problem", None) or str(error).splitlines()[0]
        return documents, Problem(name, "", where, f"is not valid YAML: {detail}")
    except RecursionError:  # an anchor whose value contains its own alias, or absurd nesting
        where = f"document {len(documents) + 1}"
        detail = "an alias refers to a node that contains it (or nesting is too deep)"
        return documents, Problem(name, "", where, f"is not valid YAML: {detail}")
    except ValueError as error:  # a timestamp that is no date: 2024-02-31, year 0
        where = f"document {len(documents) + 1}"
        detail = f"a value YAML reads as a timestamp is no date ({error}): quote it"
        return documents, Problem(name, "", where, f"is not valid YAML: {detail}")
    return documents, None


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


def yaml_documents(text: str, lines: Lines | None = None) -> Iterator[Any]:
    """Every document of a YAML stream, decoded as `yaml.safe_load_all` would (a key written
    twice is an error); with `lines`, noting the lines of what the fast reader decodes."""
    fast = _block_yaml.documents(text, lines)
    if fast is not None:
        yield from fast
        return
    yield from libyaml_documents(text)


def libyaml_documents(text: str) -> Iterator[Any]:
    """The same, always through libyaml: the reference `_block_yaml` is held to."""
    loader = _Loader(text)
    aliases = "&" in text and "*" in text  # no anchor or alias: nothing to budget
    try:
        while loader.check_node():
            node = loader.get_node()
            if aliases:
                check_yaml_limits(node)  # the Go decoder's alias budget, before any walk
            yield _value(node, loader)
    finally:
        loader.dispose()


class DuplicateKey(yaml.MarkedYAMLError):
    """A key written twice in one mapping: kubectl's strict field validation rejects it, where
    a plain YAML reader would silently keep the last one."""


def _duplicate(keys: Sequence[ScalarNode]) -> NoReturn:
    seen: set[str] = set()
    for key in keys:
        if key.value in seen:
            raise DuplicateKey(problem=f"duplicate key {key.value!r}", problem_mark=key.start_mark)
        seen.add(key.value)
    raise AssertionError("no duplicate among the keys")


def _unique_json(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {key!r}")
    return value


def _value(node: Node, loader: Any) -> Any:
    kind, tag = node.__class__, node.tag
    if kind is ScalarNode:
        if tag == _STR:
            return node.value
        if tag == _INT:
            return loader.construct_yaml_int(node)
        if tag == _BOOL:
            return loader.construct_yaml_bool(node)
        if tag == _NULL:
            return None
    elif kind is MappingNode and tag == _MAP:
        pairs = node.value
        if all(key.__class__ is ScalarNode and key.tag == _STR for key, _ in pairs):
            value = {key.value: _value(item, loader) for key, item in pairs}
            if len(value) != len(pairs):
                _duplicate([key for key, _ in pairs])
            return value
    elif kind is SequenceNode and tag == _SEQ:
        return [_value(item, loader) for item in node.value]
    return loader.construct_object(node, deep=True)
