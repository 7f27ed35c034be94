"""Finding the source files under a root, safely.

Symlinks are followed only while they stay inside the root and never twice into the same
directory, so symlink loops and escapes cannot hang or widen an index.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from vibe.graph.engine.languages import language_for

DEFAULT_IGNORED_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", "node_modules", ".mypy_cache", ".ruff_cache", ".tox"}
)


def iter_source_files(
    root: Path, ignored: frozenset[str] = DEFAULT_IGNORED_DIRS
) -> Iterator[tuple[str, str | None]]:
    """Yield (relative POSIX path, skip reason or None) for every file with a known language.

    Paths come out sorted so indexing order, and therefore results, are deterministic.
    """
    root = root.resolve()
    seen: set[str] = {str(root)}
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            yield prefix or ".", "unreadable directory"
            continue
        subdirs: list[tuple[Path, str]] = []
        for entry in entries:
            rel = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=True):
                if entry.name in ignored:
                    continue
                reason = _dir_problem(entry, root, seen)
                if reason:
                    yield rel, reason
                else:
                    subdirs.append((Path(entry.path), rel + "/"))
            elif language_for(entry.name) is not None:
                yield rel, _file_problem(entry, root)
        stack.extend(reversed(subdirs))


def _dir_problem(entry: os.DirEntry[str], root: Path, seen: set[str]) -> str | None:
    real = os.path.realpath(entry.path)
    if entry.is_symlink() and not _inside(real, root):
        return "symlink outside root"
    if real in seen:
        return "symlink loop"
    seen.add(real)
    return None


def _file_problem(entry: os.DirEntry[str], root: Path) -> str | None:
    if entry.is_symlink():
        real = os.path.realpath(entry.path)
        if not _inside(real, root):
            return "symlink outside root"
        if not os.path.exists(real):
            return "broken symlink"
    return None


def _inside(real: str, root: Path) -> bool:
    return real == str(root) or real.startswith(str(root) + os.sep)
