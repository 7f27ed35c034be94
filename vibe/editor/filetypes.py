"""What a file looks like in the tree and the tabs: an icon by name and extension."""

from __future__ import annotations

from pathlib import PurePosixPath

ICONS = {
    "file-code": {
        ".py",
        ".js",
        ".jsx",
        ".ts",
        ".tsx",
        ".go",
        ".rs",
        ".java",
        ".c",
        ".h",
        ".cpp",
        ".hpp",
        ".rb",
        ".php",
        ".sh",
        ".cs",
        ".kt",
        ".swift",
        ".sql",
        ".html",
        ".css",
        ".scss",
        ".vue",
    },
    "file-json": {".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".xml", ".lock"},
    "file-text": {".md", ".txt", ".rst", ".csv", ".log"},
    "file-image": {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".bmp"},
    "file-archive": {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".whl"},
}
NAMED = {"dockerfile": "file-cog", "makefile": "file-cog", ".gitignore": "file-cog"}
_BY_SUFFIX = {suffix: icon for icon, suffixes in ICONS.items() for suffix in suffixes}
# Every name icon_for can return: the page bundles exactly these (see components.file_icon).
ALL_ICONS = ("folder", "link", "file", *ICONS, *sorted(set(NAMED.values())))


def icon_for(path: str, kind: str = "file") -> str:
    """A lucide icon name for a tree entry."""
    if kind == "dir":
        return "folder"
    if kind == "symlink":
        return "link"
    name = PurePosixPath(path).name.lower()
    return NAMED.get(name) or _BY_SUFFIX.get(PurePosixPath(name).suffix, "file")
