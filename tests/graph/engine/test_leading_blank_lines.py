"""Files that start with blank lines or comments keep their names and edges intact."""

from pathlib import Path

import pytest

from vibe.graph.engine.api import index_path


@pytest.mark.parametrize(
    ("name", "source"),
    [
        (
            "m.py",
            "\n\n# header\ndef add(a, b):\n    return a + b\n\ndef use():\n    return add(1, 2)\n",
        ),
        (
            "m.js",
            "\n\n  // header\nexport function add(a) { return a }\n"
            "export function use() { return add(1) }\n",
        ),
    ],
)
def test_leading_blank_lines_do_not_shift_names(tmp_path: Path, name: str, source: str) -> None:
    (tmp_path / name).write_text(source)
    graph = index_path(tmp_path)
    qnames = {node.qname for node in graph.nodes.values()}
    assert {"m.add", "m.use"} <= qnames
    calls = {
        (graph.nodes[e.source].qname, graph.nodes[e.target].qname)
        for e in graph.edges
        if e.kind == "calls"
    }
    assert ("m.use", "m.add") in calls
