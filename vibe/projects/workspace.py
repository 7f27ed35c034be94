"""A project's files: a git repository under ``settings.workspaces_dir/<project id>/``.

The UI, the API and (later) MCP servers all go through this one file service, so every save is
atomic (temp file in the same folder, then ``os.replace``), checked against the version the
writer started from, and recorded as a git commit. Access control is the caller's job
(``vibe.projects.service.get_project``); this module only knows folders.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from vibe.core.config import get_settings
from vibe.core.errors import Conflict, NotFound, TooLarge, ValidationFailed
from vibe.projects import gitrepo, paths
from vibe.projects.gitrepo import Author, Commit
from vibe.projects.tree import TreeListing, list_tree

LOCK_NAME = "vibe-write.lock"
BINARY_SNIFF_BYTES = 8000


class StaleVersion(Conflict):
    """A save based on a version that is no longer the file's; carries the current one."""

    code = "stale_version"

    def __init__(self, path: str, current: str | None) -> None:
        if current is None:
            message = f"'{path}' was deleted since you opened it; nothing was saved"
        else:
            message = (
                f"'{path}' changed since you opened it (now version {current[:12]}); "
                "reload it and apply your change again, nothing was saved"
            )
        super().__init__(message)
        self.path = path
        self.current_version = current


@dataclass(frozen=True)
class FileContent:
    path: str
    data: bytes
    version: str
    binary: bool
    encoding: str | None  # "utf-8" when the bytes decode as UTF-8, else None

    @property
    def text(self) -> str | None:
        return self.data.decode("utf-8") if self.encoding else None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Saved:
    path: str
    version: str
    commit: str | None  # None when the content was already identical


def version_of(data: bytes) -> str:
    """The git blob id of ``data``: the same name git itself gives this content."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def sniff(data: bytes) -> tuple[bool, str | None]:
    """(binary, encoding): NUL bytes mean binary, valid UTF-8 means text."""
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return True, None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True, None
    return False, "utf-8"


def workspace_root(project_id: int) -> Path:
    return get_settings().workspaces_dir / str(int(project_id))


def create_workspace(project_id: int, *, author: Author = Author()) -> Workspace:
    """A fresh repository for a new project; a leftover folder with that id is set aside."""
    root = workspace_root(project_id)
    if root.exists():
        root.rename(root.with_name(f"{root.name}.orphan-{os.urandom(4).hex()}"))
    root.mkdir(parents=True)
    gitrepo.init(root, author=author)
    return Workspace(root)


def remove_workspace(project_id: int) -> None:
    """Delete a project's folder; renamed first so a half-finished removal is never reused."""
    root = workspace_root(project_id)
    if not root.exists():
        return
    doomed = root.with_name(f"{root.name}.deleted-{os.urandom(4).hex()}")
    root.rename(doomed)
    shutil.rmtree(doomed, ignore_errors=True)


def open_workspace(project_id: int) -> Workspace:
    """The workspace of an existing project, re-created empty if its folder went missing."""
    root = workspace_root(project_id)
    if not (root / ".git").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        gitrepo.init(root)
    return Workspace(root)


@dataclass(frozen=True)
class Workspace:
    root: Path

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """One writer at a time per workspace, across processes (Reflex and API workers)."""
        with open(self.root / ".git" / LOCK_NAME, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _rel(self, real: Path) -> str:
        return paths.relative(self.root, real)

    def tree(self, path: str = "") -> TreeListing:
        """Every file and folder under ``path`` (default: all), without .git."""
        start = paths.resolve(self.root, path, allow_root=True)
        if not start.is_dir():
            raise NotFound(f"no folder at '{path}'")
        return list_tree(self.root.resolve(), start)

    def read(self, path: str) -> FileContent:
        """A file's bytes with its version; TooLarge above ``max_file_bytes``."""
        target = paths.resolve(self.root, path)
        rel = self._rel(target)
        if target.is_dir():
            raise ValidationFailed(f"'{rel}' is a folder, not a file")
        if not target.is_file():
            raise NotFound(f"no file at '{rel}'")
        limit = get_settings().max_file_bytes
        size = target.stat().st_size
        if size > limit:
            raise TooLarge(f"'{rel}' is {size:,} bytes; files up to {limit:,} bytes can be opened")
        data = target.read_bytes()
        binary, encoding = sniff(data)
        return FileContent(rel, data, version_of(data), binary, encoding)

    def current_version(self, path: str) -> str | None:
        target = paths.resolve(self.root, path)
        return version_of(target.read_bytes()) if target.is_file() else None

    def write(
        self,
        path: str,
        content: str | bytes,
        *,
        base_version: str | None,
        author: Author = Author(),
        message: str = "",
    ) -> Saved:
        """Save ``content`` if the file is still at ``base_version`` (None: must not exist yet).

        A stale base raises StaleVersion and leaves the file as it was.
        """
        data = content.encode("utf-8") if isinstance(content, str) else content
        limit = get_settings().max_file_bytes
        if len(data) > limit:
            raise TooLarge(f"the file is {len(data):,} bytes; at most {limit:,} bytes can be saved")
        with self._lock():
            target = paths.resolve(self.root, path)
            rel = self._rel(target)
            if target.is_dir():
                raise ValidationFailed(f"'{rel}' is a folder, not a file")
            current = version_of(target.read_bytes()) if target.is_file() else None
            if current != base_version:
                if base_version is None:
                    raise Conflict(f"'{rel}' already exists; open it before saving over it")
                raise StaleVersion(rel, current)
            _atomic_write(target, data)
            sha = gitrepo.commit_paths(self.root, [rel], message or f"Save {rel}", author=author)
        return Saved(rel, version_of(data), sha)

    def create(self, path: str, *, kind: str = "file", author: Author = Author()) -> str:
        """A new empty file or folder; Conflict if something is already there."""
        if kind not in ("file", "folder"):
            raise ValidationFailed("kind must be 'file' or 'folder'")
        with self._lock():
            target = paths.resolve(self.root, path, follow=False)
            rel = self._rel(target)
            if target.exists() or target.is_symlink():
                raise Conflict(f"'{rel}' already exists")
            if kind == "folder":
                _mkdirs(target, rel)
                return rel
            _atomic_write(target, b"")
            gitrepo.commit_paths(self.root, [rel], f"Create {rel}", author=author)
        return rel

    def move(self, src: str, dst: str, *, author: Author = Author()) -> str:
        """Rename or move a file or folder; Conflict if the destination exists."""
        with self._lock():
            source = paths.resolve(self.root, src, follow=False)
            target = paths.resolve(self.root, dst, follow=False)
            old, new = self._rel(source), self._rel(target)
            if not (source.exists() or source.is_symlink()):
                raise NotFound(f"no file or folder at '{old}'")
            if target.exists() or target.is_symlink():
                raise Conflict(f"'{new}' already exists")
            if PurePosixPath(new).is_relative_to(PurePosixPath(old)):
                raise ValidationFailed(f"cannot move '{old}' into itself")
            _mkdirs(target.parent, new)
            source.rename(target)
            gitrepo.commit_paths(self.root, [old, new], f"Rename {old} to {new}", author=author)
        return new

    def delete(self, path: str, *, author: Author = Author()) -> str:
        """Remove a file, a symlink (not its target) or a whole folder, and commit it."""
        with self._lock():
            target = paths.resolve(self.root, path, follow=False)
            rel = self._rel(target)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            else:
                raise NotFound(f"no file or folder at '{rel}'")
            gitrepo.commit_paths(self.root, [rel], f"Delete {rel}", author=author)
        return rel

    def upload(
        self,
        folder: str,
        filename: str,
        data: bytes,
        *,
        author: Author = Author(),
        relative_dir: str = "",
    ) -> Saved:
        """Store an uploaded file in ``folder``; refuses to replace an existing file.

        Only the base name of ``filename`` counts (browsers and clients put anything there).
        A folder upload names its structure explicitly in ``relative_dir`` (the folder of the
        file inside the dropped folder), which goes through the same path checks as any path.
        """
        limit = get_settings().max_upload_bytes
        if len(data) > limit:
            raise TooLarge(f"the upload is {len(data):,} bytes; at most {limit:,} bytes")
        name = PurePosixPath(filename.replace("\\", "/")).name
        if not name:
            raise ValidationFailed("the uploaded file has no name")
        parts = (paths.clean(folder, allow_root=True), paths.clean(relative_dir, allow_root=True))
        rel = "/".join([*(p for p in parts if p), name])
        with self._lock():
            target = paths.resolve(self.root, rel)
            rel = self._rel(target)
            if target.exists():
                raise Conflict(f"'{rel}' already exists; delete or rename it first")
            _mkdirs(target.parent, rel)
            _atomic_write(target, data)
            sha = gitrepo.commit_paths(self.root, [rel], f"Upload {rel}", author=author)
        return Saved(rel, version_of(data), sha)

    def history(self, path: str = "", *, limit: int = 50) -> list[Commit]:
        rel = paths.clean(path, allow_root=True)
        return gitrepo.history(self.root, path=rel, limit=min(max(limit, 1), 500))


def _mkdirs(folder: Path, rel: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValidationFailed(f"cannot create '{rel}': a file is in the way") from None


def _atomic_write(target: Path, data: bytes) -> None:
    """Write to a temp file next to ``target`` and rename it over: readers never see half."""
    _mkdirs(target.parent, target.name)
    mode = target.stat().st_mode & 0o777 if target.is_file() else 0o644
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".vibe-save-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
