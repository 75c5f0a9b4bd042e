"""Writing a set of files into a folder that a user owns: all or nothing, one writer at a time.

``replace_owned(folder, files, owned)`` puts ``files`` (name -> text) into ``folder`` and removes
the files ``owned`` says this tool wrote before that are no longer wanted. The promises:

* **Nothing of the user's is replaced.** A target name held by a file ``owned`` does not claim, a
  symlink (wherever it points, even to a file of ours), a folder or anything else that is not a
  regular file stops the write before anything changes, with an ``OutputError`` naming it. The
  folder itself must not be a symlink either: ``--out`` names the real folder, so nothing lands
  somewhere the command line does not name (a chosen behaviour; ``realpath`` it to write there).
* **All or nothing.** Every target is checked first; each file is written to a hidden temporary
  name in the folder (same filesystem) and ``os.replace``-d into place, the files it replaces
  kept as hidden backups until the end; stale files are moved aside the same way. Any failure
  puts every backup back and removes every new file, so the folder is exactly as it was (a folder
  this call created is removed again). Only after every step succeeded are the backups deleted.
* **One writer at a time.** An exclusive ``flock`` on the folder itself is held for the whole
  write, so two renders into one folder run one after the other and the folder ends with exactly
  one render's files. Locking the folder, not a lock file in it, leaves no file behind. Readers
  that do not take the lock (the analyzer) skip the hidden temporary names (they skip hidden
  entries), but may see the swap half-done if they read during it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from components.errors import ConfigError


class OutputError(ConfigError):
    """The output folder holds something the write must not touch, or the write failed."""


@dataclass(frozen=True, slots=True)
class _Swap:
    """One step of the swap, so it can be undone: ``path`` now holds the new file (``temp``
    moved in) and what it held before, if anything, waits at ``backup``."""

    path: Path
    backup: Path | None


def replace_owned(
    folder: Path, files: Mapping[str, str], owned: Callable[[Path], bool]
) -> list[Path]:
    """Write ``files`` into ``folder`` (created if missing), replacing only files ``owned``
    claims, and remove the owned ``*.yaml`` files not in ``files``. Returns the paths written."""
    created = _make_folder(folder)
    try:
        with _locked(folder):
            return _write_locked(folder, files, owned)
    except BaseException:
        for made in reversed(created):
            with contextlib.suppress(OSError):
                made.rmdir()
        raise


def _make_folder(folder: Path) -> list[Path]:
    """Create the folder and its missing parents; the folders created, outermost first."""
    missing = []
    for path in (folder, *folder.parents):
        if os.path.lexists(path):
            break
        missing.append(path)
    missing.reverse()
    for path in missing:
        try:
            path.mkdir()
        except FileExistsError:
            pass  # a racing writer made it
        except OSError as error:
            raise OutputError(f"--out {folder}: cannot create {path}: {_reason(error)}") from None
    return missing


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        if error.errno == errno.ELOOP or folder.is_symlink():
            raise OutputError(
                f"--out {folder}: is a symlink (to {os.readlink(folder)}); render writes only "
                "into the real folder: give that path"
            ) from None
        raise OutputError(
            f"--out {folder}: is not a folder render can write into: {_reason(error)}"
        ) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _write_locked(
    folder: Path, files: Mapping[str, str], owned: Callable[[Path], bool]
) -> list[Path]:
    targets = [folder / name for name in sorted(files)]
    for path in targets:
        _check_target(path, owned)
    stale = [
        path
        for path in sorted(folder.glob("*.yaml"))
        if path.name not in files and _is_regular(path) and owned(path)
    ]
    temps: dict[Path, Path] = {}
    swaps: list[_Swap] = []
    try:
        for path in targets:
            temps[path] = _write_temp(path, files[path.name])
        for path in stale:
            backup = _hidden_name(path, "old")
            os.replace(path, backup)
            swaps.append(_Swap(path=path, backup=backup))
        for path in targets:
            backup = None
            if os.path.lexists(path):
                backup = _hidden_name(path, "old")
                try:
                    os.link(path, backup, follow_symlinks=False)
                except OSError:  # no hard links here: move it aside instead
                    os.replace(path, backup)
            try:
                os.replace(temps[path], path)
                del temps[path]
            except BaseException:
                if backup is not None:  # the old file is still in place, or moved aside
                    if os.path.lexists(path):
                        os.unlink(backup)
                    else:
                        os.rename(backup, path)
                raise
            swaps.append(_Swap(path=path, backup=backup))
    except BaseException as error:
        _undo(swaps, temps)
        if isinstance(error, OSError):
            raise OutputError(
                f"--out {folder}: cannot write the manifests ({_reason(error)}); the folder is "
                "as it was"
            ) from None
        raise
    for swap in swaps:
        if swap.backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(swap.backup)
    return targets


def _check_target(path: Path, owned: Callable[[Path], bool]) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise OutputError(
            f"{path}: is a symlink; render never writes through one (remove it or choose "
            "another --out)"
        )
    if stat.S_ISDIR(mode):
        raise OutputError(f"{path}: is a folder where render writes a file; move it away")
    if not stat.S_ISREG(mode):
        raise OutputError(f"{path}: is not a regular file; render writes a file there")
    if not owned(path):
        raise OutputError(
            f"{path}: a file render did not write (it lacks the rendered header) has this name; "
            "render never replaces it: move it away or choose another --out"
        )


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _hidden_name(path: Path, purpose: str) -> Path:
    return path.with_name(f".{path.name}.{purpose}-{secrets.token_hex(6)}")


def _write_temp(path: Path, text: str) -> Path:
    temp = _hidden_name(path, "new")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    descriptor = os.open(temp, flags, 0o644)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def _undo(swaps: list[_Swap], temps: Mapping[Path, Path]) -> None:
    """Put the folder back: the new files out, every backup back in place, no temporary left."""
    for temp in temps.values():
        with contextlib.suppress(OSError):
            os.unlink(temp)
    for swap in reversed(swaps):
        with contextlib.suppress(OSError):
            if swap.backup is not None:
                os.rename(swap.backup, swap.path)
            else:
                os.unlink(swap.path)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
