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
