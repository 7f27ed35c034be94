"""Stable node ids and qualified names.

Ids hash (project, kind, qualified name) so that re-indexing, incremental updates and other
processes (the dependency scanner linking `external_package` nodes) all derive the same id.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

ID_BYTES = 16
PY_SUFFIXES = (".py", ".pyi")
JS_INDEX_STEMS = ("index",)


def node_id(project: str, kind: str, qname: str) -> str:
    """Return the stable id of a node; same inputs give the same id in every process."""
    digest = hashlib.blake2b(f"{project}\x1f{kind}\x1f{qname}".encode(), digest_size=ID_BYTES)
    return digest.hexdigest()


def external_package_id(project: str, package: str) -> str:
    """Id of the `external_package` node for a distribution or top-level import name."""
    return node_id(project, "external_package", package)


def path_qname(path: str) -> str:
    """Dotted name of a file or directory path (`a/b/c` → `a.b.c`); the root is ``""``."""
    return ".".join(part for part in PurePosixPath(path).parts if part not in ("", "."))


def module_qname(path: str) -> tuple[str, bool]:
    """Dotted module name of a source file and whether it is a package (`__init__`/`index`)."""
    posix = PurePosixPath(path)
    stem = _strip_suffixes(posix.name)
    parent = path_qname(str(posix.parent))
    if (stem == "__init__" or stem in JS_INDEX_STEMS) and parent:
        return parent, True
    return (f"{parent}.{stem}" if parent else stem), False


def _strip_suffixes(name: str) -> str:
    for suffix in (".d.ts", ".d.mts", ".d.cts"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    stem, dot, _ = name.rpartition(".")
    return stem if dot else name
