"""Indexing runs: full then incremental, cancel leaves the stored graph alone."""

from __future__ import annotations

import pytest

from tests.graph.test_store import write_repo
from vibe.core.errors import NotFound
from vibe.graph import service, store
from vibe.graph.models import IndexStatus


def test_full_then_incremental_then_full(session, tmp_path):
    root = write_repo(tmp_path / "repo")
    row = service.standalone_index(root, session=session)
    first = service.index_root(row, session=session)
    assert (first.mode, first.touched, row.status) == ("full", 7, IndexStatus.ready.value)
    assert service.index_root(row, session=session).touched == 0
    (root / "web/lib.js").write_text("export function x() { return 2; }\n")
    again = service.index_root(row, session=session)
    assert again.mode == "incremental" and 1 <= again.touched < 7
    assert service.index_root(row, session=session, full=True).mode == "full"
    assert row.generation == 4


def test_cancel_keeps_the_stored_graph(session, tmp_path):
    root = write_repo(tmp_path / "repo")
    row = service.standalone_index(root, session=session)
    service.index_root(row, session=session)
    before = store.load_graph(session, row.id)
    (root / "pkg/util.py").write_text("")
    seen = []
    outcome = service.index_root(row, session=session, progress=lambda f, m: seen.append(f),
                                 cancel=lambda: True)  # fmt: skip
    assert outcome.cancelled and row.status == IndexStatus.cancelled.value
    assert store.load_graph(session, row.id).nodes.keys() == before.nodes.keys()
    assert row.generation == 1


def test_failure_is_recorded(session, tmp_path):
    row = service.standalone_index(tmp_path / "gone", session=session)
    with pytest.raises(NotFound):
        service.index_root(row, session=session)
    assert row.status == IndexStatus.failed.value and "not a folder" in row.error


def test_a_graph_is_loaded_once_while_threads_ask_for_it_together(monkeypatch):
    import threading
    from types import SimpleNamespace

    import networkx as nx

    entered, release = threading.Event(), threading.Event()
    loads: list[int] = []

    def slow_load(_session, index_id):
        loads.append(index_id)
        entered.set()
        assert release.wait(30)
        return nx.MultiDiGraph()

    monkeypatch.setattr(service.query, "load_networkx", slow_load)
    monkeypatch.setattr(service, "_cache", type(service._cache)())
    session = SimpleNamespace(get_bind=lambda: SimpleNamespace(url="sqlite://once"))
    row = SimpleNamespace(id=7, generation=3)
    got: list[object] = []
    threads = [
        threading.Thread(target=lambda: got.append(service.loaded_graph(row, session=session)))
        for _ in range(2)
    ]
    threads[0].start()
    assert entered.wait(30)
    threads[1].start()  # asks while the first load is under way
    release.set()
    for thread in threads:
        thread.join(30)
    assert loads == [7]
    assert len(got) == 2 and got[0] is got[1]
    assert service.loaded_graph(row, session=session) is got[0]  # cached: no wait, no load
