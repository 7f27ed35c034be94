"""Resolving many files at once, in forked worker processes that share the index copy-on-write.

Resolving one file reads the extraction results of any other file, so a spawned worker would need
the whole index pickled into it. Forked workers inherit it instead, for free, and send back only
their files' resolutions. Resolution results do not depend on which files were resolved before
(the resolver never memoises order-dependent results), so splitting the work gives exactly the
serial result. Small batches (incremental updates) stay in-process: a fork would dominate them.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Mapping
from typing import Any

from vibe.graph.engine.emit import FileResolution, resolve_file
from vibe.graph.engine.model import FileResult
from vibe.graph.engine.packages import PackageNames
from vibe.graph.engine.resolve import Resolver
from vibe.graph.engine.symbols import SymbolTable

MIN_FILES_PER_WORKER = 250
SLICE = 48  # files per task: small enough to balance, large enough to reuse a worker's memo

# What forked workers resolve against: set in the parent only while its pool is alive.
_shared: tuple[Mapping[str, FileResult], Mapping[str, Any], str, PackageNames] | None = None
_resolver: Resolver | None = None  # one per worker process, so its memo serves every slice


def resolve_many(
    files: Mapping[str, FileResult],
    keys: Mapping[str, Any],
    project: str,
    packages: PackageNames,
    paths: list[str],
    workers: int,
) -> dict[str, FileResolution]:
    """Resolutions of `paths` (all present in `files`), in `paths` order."""
    if not _parallel(len(paths), workers):
        resolver = Resolver(SymbolTable(files, keys))
        return {p: resolve_file(resolver, project, files[p], packages) for p in paths}
    global _shared
    _shared = (files, keys, project, packages)
    found: dict[str, FileResolution] = {}
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            slices = [paths[i : i + SLICE] for i in range(0, len(paths), SLICE)]
            for part in pool.imap_unordered(_resolve_slice, slices):
                for path, resolution in part:
                    # Unpickling gives every file its own copy of each key string; the keys
                    # of neighbouring files overlap heavily, so share them (tens of MB per 1k).
                    resolution.deps = frozenset(map(sys.intern, resolution.deps))
                    found[path] = resolution
    finally:
        _shared = None
    return {p: found[p] for p in paths}


def _parallel(count: int, workers: int) -> bool:
    forkable = "fork" in multiprocessing.get_all_start_methods()
    return forkable and workers > 1 and count >= MIN_FILES_PER_WORKER * 2


def _resolve_slice(paths: list[str]) -> list[tuple[str, FileResolution]]:
    global _resolver
    assert _shared is not None, "resolve workers must be forked from resolve_many"
    files, keys, project, packages = _shared
    if _resolver is None:
        _resolver = Resolver(SymbolTable(files, keys))
    return [(p, resolve_file(_resolver, project, files[p], packages)) for p in paths]
