"""Turning a path a client sent into a path inside one workspace, or a clear refusal.

Every file operation goes through here, so traversal (``..``, absolute paths, symlinks that
lead out of the root) and git internals are refused in one place instead of in each caller.
Paths are refused rather than "cleaned": a client that sends ``a/../../x`` has a bug or an
intent, and guessing what it meant would hide both.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from vibe.core.errors import ValidationFailed

MAX_PATH_CHARS = 1024
MAX_NAME_BYTES = 255
_DRIVE = re.compile(r"^[A-Za-z]:")


def _refuse(path: str, why: str) -> ValidationFailed:
    shown = path if len(path) <= 80 else path[:77] + "…"
    return ValidationFailed(f"invalid path {shown!r}: {why}", code="invalid_path")


def clean(path: str, *, allow_root: bool = False) -> str:
    """The normalised relative POSIX form of ``path`` ('' is the root), or ValidationFailed."""
    if not isinstance(path, str):
        raise ValidationFailed("path must be a string", code="invalid_path")
    if "\x00" in path:
        raise _refuse(path.replace("\x00", "\\0"), "it contains a NUL byte")
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise _refuse(path, "it contains control characters")
    if "\\" in path:
        raise _refuse(path, "use '/' to separate folders, not '\\'")
    if len(path) > MAX_PATH_CHARS:
        raise _refuse(path, f"it is longer than {MAX_PATH_CHARS} characters")
    if path.startswith("/") or _DRIVE.match(path) or path.startswith("~"):
        raise _refuse(path, "paths are relative to the project folder, not absolute")
    parts = [p for p in PurePosixPath(path).parts if p != "."]
    for part in parts:
        _check_part(path, part)
    rel = "/".join(parts)
    if not rel and not allow_root:
        raise _refuse(path, "a file or folder name is required")
    return rel


def _check_part(path: str, part: str) -> None:
    if part == "..":
        raise _refuse(path, "'..' is not allowed; paths stay inside the project")
    if part.lower() == ".git":
        raise _refuse(path, "the .git folder is managed by Vibe and cannot be touched")
    if len(part.encode()) > MAX_NAME_BYTES:
        raise _refuse(path, f"a name is longer than {MAX_NAME_BYTES} bytes")
    if part.strip() != part:
        raise _refuse(path, "names cannot start or end with spaces")


def resolve(root: Path, path: str, *, follow: bool = True, allow_root: bool = False) -> Path:
    """The absolute location of ``path`` in ``root``, refusing anything that leads outside it.

    With ``follow=False`` the last component is not dereferenced, so deleting or renaming a
    symlink acts on the link itself rather than on what it points to.
    """
    rel = clean(path, allow_root=allow_root)
    base = root.resolve()
    if not rel:
        return base
    target = base / rel
    real = target.resolve() if follow else target.parent.resolve() / target.name
    _check_inside(base, real, path)
    return real


def _check_inside(base: Path, real: Path, path: str) -> None:
    try:
        inner = real.relative_to(base)
    except ValueError:
        raise _refuse(path, "it leads outside the project folder") from None
    if inner.parts and inner.parts[0].lower() == ".git":
        raise _refuse(path, "the .git folder is managed by Vibe and cannot be touched")


def relative(root: Path, real: Path) -> str:
    """The workspace-relative POSIX path of an already resolved location."""
    return real.relative_to(root.resolve()).as_posix()
