"""Resolving many files at once: this process and forked helpers share the index copy-on-write.

Resolving one file reads the extraction results of any other file, so a spawned worker would need
the whole index pickled into it. Forked helpers inherit it instead and send back only their files'
resolutions. This process resolves its share too (a fork pool would leave it idle, and every extra
process copies the pages it touches: reference counts write to every object read). Slices are
claimed from a shared counter, so a slow process takes fewer. Resolution results do not depend on
which files were resolved before (the resolver never memoises order-dependent results), so the
split gives exactly the serial result. Small batches (incremental updates) stay in-process.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from multiprocessing.connection import Connection
from typing import Any

from vibe.graph.engine.emit import FileResolution, resolve_file
from vibe.graph.engine.model import FileResult
from vibe.graph.engine.packages import PackageNames
from vibe.graph.engine.resolve import Resolver
from vibe.graph.engine.symbols import SymbolTable

MIN_FILES_PER_WORKER = 250
SLICE = 32  # files per claim: small enough to balance, large enough to reuse a process's memo

Resolved = list[tuple[str, FileResolution]]


class ResolveWorkerError(RuntimeError):
    """A forked resolve helper failed; its files were not resolved."""


class _Job:
    """What every process resolves from: the index, the slices and the shared slice counter."""

    def __init__(
        self,
        files: Mapping[str, FileResult],
        keys: Mapping[str, Any],
        project: str,
        packages: PackageNames,
        paths: list[str],
    ) -> None:
        self.files, self.keys, self.project, self.packages = files, keys, project, packages
        self.slices = [paths[i : i + SLICE] for i in range(0, len(paths), SLICE)]
        self.next = multiprocessing.get_context("fork").Value("i", 0)

    def claimed(self) -> Iterator[Resolved]:
        """Resolutions of the slices this process claims, one claim at a time, until none left."""
        resolver = Resolver(SymbolTable(self.files, self.keys))
        while True:
            with self.next.get_lock():
                index = self.next.value
                self.next.value += 1
            if index >= len(self.slices):
                return
            yield [
                (p, resolve_file(resolver, self.project, self.files[p], self.packages))
                for p in self.slices[index]
            ]


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
    job = _Job(files, keys, project, packages, paths)
    found: dict[str, FileResolution] = {}
    errors: list[str] = []
    context = multiprocessing.get_context("fork")
    helpers, readers = [], []
    for _ in range(workers - 1):
        receive, send = context.Pipe(duplex=False)
        helper = context.Process(target=_helper, args=(job, send), daemon=True)
        helper.start()
        send.close()
        reader = threading.Thread(target=_receive, args=(receive, found, errors), daemon=True)
        reader.start()
        helpers.append(helper)
        readers.append(reader)
    try:
        for part in job.claimed():
            found.update(part)
    except BaseException:
        for helper in helpers:
            helper.terminate()
        raise
    for reader in readers:
        reader.join()
    for helper in helpers:
        helper.join()
    if errors or len(found) != len(paths):
        raise ResolveWorkerError("; ".join(errors) or "a resolve helper exited early")
    return {p: found[p] for p in paths}


def _parallel(count: int, workers: int) -> bool:
    forkable = "fork" in multiprocessing.get_all_start_methods()
    return forkable and workers > 1 and count >= MIN_FILES_PER_WORKER * 2


def _helper(job: _Job, send: Connection) -> None:
    try:
        for part in job.claimed():
            send.send(part)
        send.send(None)
    except BaseException:
        send.send(traceback.format_exc())
        raise


def _receive(receive: Connection, found: dict[str, FileResolution], errors: list[str]) -> None:
    try:
        while (part := receive.recv()) is not None:
            if isinstance(part, str):
                errors.append(part)
                return
            for path, resolution in part:
                # Unpickling gives every file its own copy of each key string; neighbouring
                # files' keys overlap heavily, so share them (tens of MB per thousand files).
                resolution.deps = frozenset(map(sys.intern, resolution.deps))
                found[path] = resolution
    except EOFError:
        errors.append("a resolve helper died")
    finally:
        receive.close()
