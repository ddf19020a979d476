"""Where reports are read from: local files, directories and glob patterns, and fsspec URLs.

``find_files`` turns what a user names (``reports/``, ``shards/*.jsonl.gz``, ``s3://bucket/x/*.jsonl.gz``,
``gs://...``, ``memory://...``, ``file://...``) into the list of files to read, in the order every
reader and every engine reads them. A local file is a ``pathlib.Path``; a file behind any other fsspec
URL is a ``RemoteFile``, which offers the few ``Path`` methods the readers use (``name``, ``open``,
``read_bytes``). fsspec and its drivers (``s3fs``, ``gcsfs``, ...) are optional: a URL without them is
an error saying which package to install.
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError, OsintrackError

__all__ = ["SUPPORTED", "FileRef", "RemoteFile", "base_id", "find_files", "is_url", "kind_of", "locate", "size_of"]

# Longest first: ".jsonl.gz" must win over a shorter suffix.
SUPPORTED: tuple[str, ...] = (".jsonl.gz", ".jsonl", ".txt", ".csv", ".html", ".htm", ".parquet")
_URL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


class RemoteFile:
    """A file behind an fsspec URL (``s3://bucket/key``), with the ``Path`` methods the readers use."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        return os.path.splitext(self.name)[1]

    def open(self, mode: str = "rb") -> BinaryIO:
        if mode != "rb":
            raise ValueError("remote inputs are read only, in binary")
        fs, path = _filesystem(self.url)
        stream: BinaryIO = fs.open(path, "rb")
        return stream

    def read_bytes(self) -> bytes:
        with self.open() as stream:
            return stream.read()

    def size(self) -> int:
        fs, path = _filesystem(self.url)
        return int(fs.size(path))

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"RemoteFile({self.url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteFile) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)


FileRef = Path | RemoteFile


def is_url(text: str) -> bool:
    """Whether ``text`` names a URL (``scheme://...``) rather than a local path."""
    return _URL.match(text) is not None


def locate(text: str) -> FileRef:
    """A file named by a local path, a ``file://`` URL, or another fsspec URL."""
    if text.startswith("file://"):
        return Path(text[len("file://"):])
    return RemoteFile(text) if is_url(text) else Path(text)


def size_of(file: FileRef) -> int | None:
    """The size of ``file`` in bytes; None when it cannot be told (reading it will say why)."""
    try:
        return file.stat().st_size if isinstance(file, Path) else file.size()
    except (OSError, ValueError):
        return None


def kind_of(name: str) -> str | None:
    """The supported suffix that ``name`` ends with, any case; None when it is none of them."""
    lower = name.lower()
    return next((suffix for suffix in SUPPORTED if lower.endswith(suffix)), None)


def base_id(relative: str) -> str:
    """A file's report id: its path (under the directory that was named) without the format suffix."""
    kind = kind_of(relative.rsplit("/", 1)[-1])
    return relative[: -len(kind)] if kind else relative


def find_files(inputs: Any) -> list[tuple[FileRef, str]]:
    """Every file to read, with the base of its report ids, in reading order.

    ``inputs`` is one path or URL, or a sequence of them. A file gives itself (whatever its kind: the
    reader says when it cannot read it); a directory gives every supported file under it, sorted by
    path under it, hidden files and folders excepted; a glob pattern (``*``, ``?``, ``[``) that names
    nothing that exists gives its matches, sorted, each as a file or directory. Every input is checked
    before anything is read, so a typo fails at once.
    """
    names = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    found: list[tuple[FileRef, str]] = []
    for raw in names:
        text = str(raw)
        if is_url(text) and not text.startswith("file://"):
            found.extend(_remote(text))
        else:
            found.extend(_local(Path(text[len("file://"):]) if text.startswith("file://") else Path(text)))
    return found


def _local(root: Path) -> list[tuple[FileRef, str]]:
    if root.exists():
        return list(_expand_local(root))
    text = str(root)
    matches = sorted(glob.glob(text, recursive=True)) if glob.has_magic(text) else []
    if not matches:
        raise InputError("no such file or directory", path=text, reason="not_found")
    return [pair for match in matches for pair in _expand_local(Path(match))]


def _expand_local(root: Path) -> list[tuple[FileRef, str]]:
    if not root.is_dir():
        return [(root, base_id(root.name))]
    found: list[tuple[str, Path]] = []
    for file in root.rglob("*"):
        relative = file.relative_to(root).as_posix()
        # hidden files (.git, .DS_Store, editor backups) are not reports
        if file.is_file() and kind_of(file.name) and not _hidden(relative):
            found.append((relative, file))
    return [(file, base_id(relative)) for relative, file in sorted(found)]


def _hidden(relative: str) -> bool:
    return any(part.startswith(".") for part in relative.split("/"))


def _remote(url: str) -> list[tuple[FileRef, str]]:
    fs, path = _filesystem(url)
    try:
        if glob.has_magic(path) and not fs.exists(path):
            matches = sorted(fs.glob(path))
            if not matches:
                raise InputError("no such file or directory", path=url, reason="not_found")
            return [pair for match in matches for pair in _expand_remote(fs, match)]
        if not fs.exists(path):
            raise InputError("no such file or directory", path=url, reason="not_found")
        return _expand_remote(fs, path)
    except OSError as exc:
        raise InputError(f"cannot list: {exc}", path=url, reason="unreadable") from exc


def _expand_remote(fs: Any, path: str) -> list[tuple[FileRef, str]]:
    if not fs.isdir(path):
        return [(RemoteFile(fs.unstrip_protocol(path)), base_id(path.rstrip("/").rsplit("/", 1)[-1]))]
    root = path.rstrip("/") + "/"
    found: list[tuple[str, str]] = []
    for member in fs.find(path):
        relative = member[len(root):] if member.startswith(root) else member.rsplit("/", 1)[-1]
        if kind_of(relative.rsplit("/", 1)[-1]) and not _hidden(relative):
            found.append((relative, member))
    return [(RemoteFile(fs.unstrip_protocol(member)), base_id(relative)) for relative, member in sorted(found)]


def _filesystem(url: str) -> tuple[Any, str]:
    """fsspec's file system and path for ``url``; a clear error when fsspec or the driver is missing."""
    try:
        import fsspec
    except ImportError as exc:
        raise OsintrackError(f"reading {url} needs fsspec", hint="pip install fsspec (and the driver of the URL's "
                             "scheme: s3fs for s3://, gcsfs for gs://, adlfs for az://)") from exc
    protocol = url.split("://", 1)[0]
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:  # fsspec knows the scheme, its driver is not installed ("Install s3fs to ...")
        raise OsintrackError(f"reading {url} needs the fsspec driver for {protocol}://",
                             hint=str(exc) or f"pip install the fsspec driver for {protocol}://") from exc
    except ValueError as exc:  # an unknown scheme
        raise OsintrackError(f"cannot read {url}: {exc}",
                             hint="a local path, or a URL fsspec knows (s3://, gs://, file://, ...)") from exc
    return fs, path
