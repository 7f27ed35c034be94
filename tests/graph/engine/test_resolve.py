"""The resolver's memo: forgetting a resolved file's inner-scope names changes no result."""

from __future__ import annotations

from pathlib import Path

from vibe.graph.engine.index import GraphIndex

MAKER = """
class Thing:
    def run(self):
        pass


def make():
    made = Thing()
    return made
"""
USER = """
from a import make


def use():
    make().run()
"""


def calls(index: GraphIndex) -> set[tuple[str, str]]:
    graph = index.graph()
    return {
        (graph.nodes[e.source].qname, graph.nodes[e.target].qname)
        for e in graph.edges
        if e.kind == "calls"
    }


def test_a_later_file_recomputes_names_the_earlier_file_no_longer_memoises(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.py").write_text(MAKER)
    (tmp_path / "b.py").write_text(USER)
    index = GraphIndex(tmp_path)
    index.index_all()  # a.py first: `made` is looked up, memoised, then forgotten
    assert ("b.use", "a.Thing.run") in calls(index)
    before = calls(index)
    (tmp_path / "b.py").write_text(USER + "\n")
    index.update(["b.py"])  # b.py alone, by a fresh resolver that never saw a.py's names
    assert calls(index) == before
