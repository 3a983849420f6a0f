"""Atomic file writes (temp file in the same folder + fsync + rename), stable config hashes and
file content hashes."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from gail_lab.errors import DiskFullError, UnwritablePathError

# OS errors at a write that are the user's path, not a bug: told in one line naming the path
UNWRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST, errno.EISDIR)


def write_error(err: OSError, path: Path | str, what: str = "") -> OSError:
    """The one-line error of an OS error at a write (full disk, permissions, not a folder), or
    ``err`` itself when it is none of these."""
    where = f"{what} {path}" if what else str(path)
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(
            f"disk full while writing {where} ({os.strerror(err.errno)}); "
            "free some space or point artifacts_dir / hydra.run.dir elsewhere"
        )
    if err.errno in UNWRITABLE:
        reason = (
            "a file is there, not a folder" if err.errno == errno.EEXIST else os.strerror(err.errno)
        )
        blocked = err.filename if err.filename and str(err.filename) != str(path) else None
        because = f" ({blocked}: {reason})" if blocked else f" ({reason})"
        return UnwritablePathError(
            f"cannot write {where}{because}; give a folder you can write to "
            "(artifacts_dir=..., hydra.run.dir=...)"
        )
    return err


def ensure_writable_dir(path: Path, what: str, keep: bool = True) -> Path:
    """Make ``path`` (and its parents) and check a file can be created in it, before any work:
    one line naming ``what`` and the reason otherwise. ``keep=False`` removes again the folders
    it made (a check that leaves nothing behind)."""
    path = Path(path).absolute()
    made = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-check.", dir=path)
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        raise write_error(err, path, what) from None
    finally:
        if not keep:
            for folder in made:  # deepest first
                try:
                    folder.rmdir()
                except OSError:
                    break
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part.

    A full disk or quota raises :class:`DiskFullError`, a path that cannot be written
    :class:`UnwritablePathError`, each naming ``path``; the old file stays as it was and the temp
    file is removed."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are files for people to read
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        mapped = write_error(err, path)
        if mapped is err:
            raise
        raise mapped from err
    return path


def file_kind(path: Path) -> str:
    """What is at ``path``, from its first bytes: ``missing``, ``folder``, ``empty``, ``zip`` (an
    .npz, a torch checkpoint), ``npy``, ``pickle`` (protocol 2+), else ``other`` (text, random
    bytes): so that a loader's error says what the file is, not what its parser guessed."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    if not path.is_file():
        return "missing"
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        return "empty"
    if head.startswith(b"PK"):
        return "zip"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head[:1] == b"\x80" and 2 <= head[1] <= 5:
        return "pickle"
    return "other"


def describe_head(path: Path, n: int = 16) -> str:
    """The first bytes of a file, for an error message: text as text, else hex."""
    with open(path, "rb") as f:
        head = f.read(n)
    try:
        text = head.decode("utf-8")
        if all(c.isprintable() or c.isspace() for c in text):
            return repr(text)
    except UnicodeDecodeError:
        pass
    return head.hex(" ")


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def config_hash(obj: Any, length: int = 10) -> str:
    """A short stable hash of plain data (dicts, lists, numbers, strings)."""
    blob = json.dumps(obj, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:length]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a.b.c": value}`` of a nested dict (lists kept as values, empty dicts dropped)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, f"{key}."))
        else:
            out[key] = v
    return out
