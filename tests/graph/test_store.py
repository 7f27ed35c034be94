"""Storing the engine's graph: full writes, incremental updates equal clean re-indexes, restarts."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from vibe.graph import store
from vibe.graph.engine.index import GraphIndex
from vibe.graph.engine.model import GraphData
from vibe.graph.models import GraphIndexRow

REPO = {
    "pkg/__init__.py": "from pkg.util import helper\n",
    "pkg/util.py": (
        '"""Utilities."""\n\n\ndef helper(x):\n    """Add one."""\n    return x + 1\n\n\n'
        "class Base:\n    def run(self):\n        return helper(1)\n"
    ),
    "pkg/app.py": (
        "import os\n\nfrom pkg.util import Base, helper\n\n\nclass App(Base):\n"
        "    def run(self):\n        return helper(2) + os.getpid()\n\n\n"
        "def main():\n    App().run()\n    missing()\n"
    ),
    "pkg/sub/__init__.py": "",
    "pkg/sub/deep.py": "from ..util import helper\n\n\ndef go():\n    return helper(3)\n",
    "web/lib.js": "export function x() { return 1; }\n",
    "web/index.js": "import { x } from './lib.js';\nexport function main() { return x(); }\n",
}
PROJECT = "fixture"


def write_repo(root: Path, files: dict[str, str] = REPO) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return root


def new_index_row(session: Session, root: Path) -> GraphIndexRow:
    row = GraphIndexRow(graph_project=PROJECT, root=str(root))
    session.add(row)
    session.flush()
    return row


def snapshot(graph: GraphData) -> dict[str, set]:
    return {
        "nodes": {(n.id, n.kind, n.qname, n.name, n.language, n.file, n.start_line, n.end_line,
                   n.signature, n.docstring, tuple(sorted(n.attrs.items())))
                  for n in graph.nodes.values()},
        "edges": set(graph.edges),
        "unresolved": set(graph.unresolved),
        "files": set(graph.file_hashes.items()),
        "skipped": set(graph.skipped),
    }  # fmt: skip


def stored_clean(session: Session, root: Path) -> dict[str, set]:
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    store.save_index(session, row, index)
    return snapshot(store.load_graph(session, row.id))


def test_full_write_loads_back_identically(session, tmp_path):
    root = write_repo(tmp_path / "repo")
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    graph = store.save_index(session, row, index)
    session.commit()
    assert snapshot(store.load_graph(session, row.id)) == snapshot(graph)
    assert (row.files, row.nodes, row.edges) == (7, len(graph.nodes), len(graph.edges))
    assert row.generation == 1


def test_subgraph_load_keeps_only_edges_between_wanted_nodes(session, tmp_path):
    root = write_repo(tmp_path / "repo")
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    graph = store.save_index(session, row, index)
    wanted = {n.id for n in graph.nodes.values() if n.file == "pkg/app.py"}
    sub = store.load_graph(session, row.id, node_ids=wanted)
    assert set(sub.nodes) == wanted
    assert sub.edges and all(e.source in wanted and e.target in wanted for e in sub.edges)


def test_update_after_restart_touches_only_changed_rows(session, tmp_path):
    root = write_repo(tmp_path / "repo")
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    store.save_index(session, row, index)
    session.commit()
    (root / "pkg/util.py").write_text("def helper(x, y=0):\n    return x + y\n")
    (root / "pkg/app.py").rename(root / "pkg/main.py")
    restored = store.restore_index(session, row, root)
    assert set(restored.files) == set(REPO)
    report = restored.index_all()
    assert set(report.extracted) == {"pkg/util.py", "pkg/main.py"}
    assert report.removed == ["pkg/app.py"]
    store.save_update(session, row, restored, report)
    session.commit()
    assert snapshot(store.load_graph(session, row.id)) == stored_clean(session, root)
    assert row.generation == 2


def test_restore_ignores_state_of_another_engine_version(session, tmp_path):
    root = write_repo(tmp_path / "repo")
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    store.save_index(session, row, index)
    row.engine_version = "older"
    assert store.restore_index(session, row, root).files == {}


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["modify", "add", "delete", "rename"]),
        st.sampled_from([*sorted(REPO), "pkg/new.py", "web/extra.js"]),
        st.sampled_from(
            [
                "def helper(x):\n    return x\n",
                "from pkg.util import helper\n\n\ndef helper2():\n    return helper(5)\n",
                "class Base:\n    pass\n",
                "import { x } from './lib.js';\nexport function y() { return x(); }\n",
                "def broken(:\n",
                "from pkg.app import App\n\n\nclass Sub(App):\n"
                "    def run(self):\n        return 1\n",
            ]
        ),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=EDITS)
def test_stored_incremental_graph_equals_stored_clean_reindex(session, tmp_path_factory, edits):
    root = write_repo(tmp_path_factory.mktemp("repo"))
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    store.save_index(session, row, index)
    for action, rel, content in edits:
        apply_edit(root, action, rel, content)
        restored = store.restore_index(session, row, root)
        store.save_update(session, row, restored, restored.index_all())
    assert snapshot(store.load_graph(session, row.id)) == stored_clean(session, root)
    session.rollback()


def apply_edit(root: Path, action: str, rel: str, content: str) -> None:
    path = root / rel
    if action in ("modify", "add"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    elif path.exists() and action == "delete":
        path.unlink()
    elif path.exists():
        target = path.with_name("moved_" + path.name)
        path.rename(target)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=EDITS)
def test_live_index_updates_by_path_store_like_a_clean_reindex(session, tmp_path_factory, edits):
    root = write_repo(tmp_path_factory.mktemp("repo"))
    index = GraphIndex(root, project=PROJECT)
    index.index_all()
    row = new_index_row(session, root)
    store.save_index(session, row, index)
    for action, rel, content in edits:
        apply_edit(root, action, rel, content)
        moved = str(Path(rel).with_name("moved_" + Path(rel).name))
        store.save_update(session, row, index, index.update([rel, moved]))
    assert snapshot(store.load_graph(session, row.id)) == stored_clean(session, root)
    session.rollback()
