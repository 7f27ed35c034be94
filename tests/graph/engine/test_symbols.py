from __future__ import annotations

from vibe.graph.engine.symbols import EMPTY_NODE, SymbolTable, dep_node


def test_dependency_nodes_share_instead_of_copying() -> None:
    leaf = dep_node({"top:a.py:x"}, {})
    assert dep_node(set(), {}) is EMPTY_NODE
    assert dep_node(set(), {id(leaf): leaf}) is leaf  # nothing of its own: the same node
    outer = dep_node({"meta:b.py"}, {id(leaf): leaf})
    assert outer[0] == 1 and outer[-1] is leaf


def test_recorded_flattens_a_shared_dag_once() -> None:
    table = SymbolTable({}, {})
    shared = dep_node({"top:a.py:x", "star:a.py"}, {})
    left = dep_node({"top:b.py:y"}, {id(shared): shared})
    right = dep_node({"scope:c.py:1"}, {id(shared): shared})
    table.start_recording()
    table.lookup("file:d.py")
    table.dep_sets = {id(left): left, id(right): right}
    assert table.recorded() == {
        "file:d.py",
        "top:b.py:y",
        "scope:c.py:1",
        "top:a.py:x",
        "star:a.py",
    }
