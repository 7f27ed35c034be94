"""Pausing CPython's cyclic garbage collector while the index builds its data.

Indexing allocates millions of small, long-lived containers (scopes, refs, edges) and frees few,
so the collector keeps running full passes over an ever-growing heap: on a 10k-file tree that was
most of the main process's time. Nothing the engine builds depends on cycle collection (reference
counting frees its garbage), so collection is paused for the duration of a build and resumed
afterwards. Pauses nest and may overlap across threads; the last one out restores the collector.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = False

    def enter(self) -> None:
        with self.lock:
            if self.depth == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.depth += 1

    def leave(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.was_enabled:
                gc.enable()


_PAUSES = _Pauses()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with the cyclic collector paused (restored on exit, even on error)."""
    _PAUSES.enter()
    try:
        yield
    finally:
        _PAUSES.leave()
