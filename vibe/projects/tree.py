"""Listing a workspace folder as a flat, sorted list of entries.

Flat (each entry knows its depth) because both the API and the Reflex file tree render it with
one loop; bounded so a folder of a million files cannot stall a page.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

MAX_TREE_ENTRIES = 5000
HIDDEN_NAMES = frozenset({".git"})
TEMP_PREFIX = ".vibe-save-"


@dataclass(frozen=True)
class Entry:
    path: str
    name: str
    kind: str  # file | dir | symlink
    size: int
    depth: int

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)


@dataclass
class TreeListing:
    entries: list[Entry] = field(default_factory=list)
    truncated: bool = False


def _visible(entry: os.DirEntry[str]) -> bool:
    return entry.name not in HIDDEN_NAMES and not entry.name.startswith(TEMP_PREFIX)


def _sorted(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        found = [e for e in it if _visible(e)]
    return sorted(found, key=lambda e: (not e.is_dir(follow_symlinks=False), e.name.lower()))


def list_tree(root: Path, start: Path, *, limit: int = MAX_TREE_ENTRIES) -> TreeListing:
    """Folders first, then files, depth-first; symlinks are listed, never followed."""
    listing = TreeListing()
    _walk(root, start, 0, listing, limit)
    return listing


def _walk(root: Path, folder: Path, depth: int, listing: TreeListing, limit: int) -> None:
    try:
        items = _sorted(folder)
    except OSError:
        return
    for item in items:
        if len(listing.entries) >= limit:
            listing.truncated = True
            return
        entry = _entry(root, item, depth)
        listing.entries.append(entry)
        if entry.kind == "dir":
            _walk(root, Path(item.path), depth + 1, listing, limit)


def _entry(root: Path, item: os.DirEntry[str], depth: int) -> Entry:
    path = Path(item.path)
    if item.is_symlink():
        kind, size = "symlink", 0
    elif item.is_dir():
        kind, size = "dir", 0
    else:
        kind, size = "file", item.stat(follow_symlinks=False).st_size
    return Entry(path.relative_to(root).as_posix(), item.name, kind, size, depth)
