"""Running per-file extraction, in this process or in a small pool of worker processes.

Parsing is CPU-bound C code holding the GIL, so only processes help. A pool is used for large
batches only: for a handful of files (an incremental update) start-up would dominate.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from vibe.graph.engine.extract import extract_file
from vibe.graph.engine.model import FileResult, Skipped
from vibe.graph.engine.parse import SkipFile, content_hash, read_source

MIN_FILES_PER_WORKER = 200
CHUNK = 16

Outcome = FileResult | Skipped | None  # None: content unchanged, keep the previous result


def extract_many(
    root: Path,
    paths: list[str],
    known: dict[str, str],
    max_bytes: int,
    workers: int,
    progress: Callable[[float, str], None] | None,
    cancelled: Callable[[], bool],
) -> dict[str, Outcome] | None:
    """Extract `paths`; None when cancelled (checked between files)."""
    results: dict[str, Outcome] = {}
    total = max(len(paths), 1)
    for done, (path, outcome) in enumerate(_outcomes(root, paths, known, max_bytes, workers)):
        if cancelled():
            return None
        results[path] = outcome
        if progress is not None and (done % 50 == 0 or done + 1 == total):
            progress((done + 1) / total, path)
    return results


def _outcomes(
    root: Path, paths: list[str], known: dict[str, str], max_bytes: int, workers: int
) -> Iterator[tuple[str, Outcome]]:
    jobs = [(str(root), p, known.get(p), max_bytes) for p in paths]
    if workers <= 1 or len(paths) < MIN_FILES_PER_WORKER * 2:
        yield from map(_extract_one, jobs)
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_init
    ) as pool:
        try:
            yield from pool.map(_extract_one, jobs, chunksize=CHUNK)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _worker_init() -> None:
    # Imported modules never die: keep the collector from re-scanning them after every file.
    gc.freeze()


def _extract_one(job: tuple[str, str, str | None, int]) -> tuple[str, Outcome]:
    root, rel, known_hash, max_bytes = job
    if known_hash is not None:
        try:
            if content_hash(read_source(Path(root) / rel, max_bytes)) == known_hash:
                return rel, None
        except SkipFile:
            pass
    return rel, extract_file(Path(root), rel, max_bytes)
