"""Worker processes (extraction pool, forked resolvers) give exactly the in-process result."""

from __future__ import annotations

from pathlib import Path

from tests.graph.engine.test_index import normal, write
from vibe.graph.engine.index import GraphIndex
from vibe.graph.engine.parallel import MIN_FILES_PER_WORKER
from vibe.graph.engine.parallel_resolve import MIN_FILES_PER_WORKER as MIN_RESOLVE

FILES = 2 * max(MIN_FILES_PER_WORKER, MIN_RESOLVE) + 10


def module(i: int) -> str:
    """A module that imports, subclasses and calls into a neighbour (and leaves one unknown).

    Inheritance chains stay short (as in real code): past the resolver's depth limit results
    are cut short, and what was cut depends on which lookups were already memoised.
    """
    prev = f"pkg.m{i - 1}" if i % 5 else "pkg"
    return (
        f"from {prev} import Base{i - 1 if i % 5 else ''} as Parent\n"
        f"import {prev}\n\n"
        f"class Base{i}(Parent):\n"
        f"    def run(self):\n"
        f"        self.helper()\n"
        f"        return unknown_{i}()\n\n"
        f"    def helper(self):\n"
        f"        return {prev}.__name__\n\n"
        f"def make{i}() -> Base{i}:\n"
        f"    return Base{i}()\n\n"
        f"make{i}().run()\n"
    )


def test_workers_give_the_in_process_graph(tmp_path: Path) -> None:
    write(tmp_path, "pkg/__init__.py", "class Base:\n    def helper(self):\n        pass\n")
    for i in range(FILES):
        write(tmp_path, f"pkg/m{i}.py", module(i))
    serial = GraphIndex(tmp_path, workers=1)
    serial.index_all()
    parallel = GraphIndex(tmp_path, workers=2, resolve_workers=2)
    parallel.index_all()
    assert normal(parallel.graph()) == normal(serial.graph())
    assert {p: r.deps for p, r in parallel.resolutions.items()} == {
        p: r.deps for p, r in serial.resolutions.items()
    }
