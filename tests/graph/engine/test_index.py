"""The index API: skipped input, progress, cancellation, and incremental = clean re-index."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from vibe.graph.engine.api import index_path, summarize
from vibe.graph.engine.index import GraphIndex, IndexCancelled
from vibe.graph.engine.model import GraphData


def write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def normal(graph: GraphData) -> tuple:
    """Everything observable in a graph, in a canonical order."""
    return (
        sorted(
            (
                n.id,
                n.kind,
                n.qname,
                n.file,
                n.start_line,
                n.end_line,
                n.signature,
                n.docstring,
                sorted(n.attrs.items()),
            )
            for n in graph.nodes.values()
        ),
        sorted(
            (e.source, e.target, e.kind, e.confidence, e.resolution, e.file, e.line)
            for e in graph.edges
        ),
        sorted((u.source, u.target_text, u.kind, u.file, u.line) for u in graph.unresolved),
        sorted((s.path, s.reason) for s in graph.skipped),
        sorted(graph.errors.items()),
    )


def test_bad_input_is_skipped_with_reasons(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "def f():\n    return 1\n")
    write(tmp_path, "binary.py", b"\x00\x01\x02")
    write(tmp_path, "latin.py", "name = 'caf\xe9'\n".encode("latin-1"))
    write(tmp_path, "big.py", "x = 1\n" * 400_000)
    write(tmp_path, "broken.py", "def broken(:\n    pass\ndef fine():\n    pass\n")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    unreadable = tmp_path / "secret.py"
    unreadable.write_text("x = 1\n")
    unreadable.chmod(0)
    graph = index_path(tmp_path)
    reasons = {s.path: s.reason for s in graph.skipped}
    assert reasons["binary.py"] == "binary content"
    assert reasons["latin.py"].startswith("not UTF-8")
    assert reasons["big.py"].startswith("too large")
    assert reasons["loop"] == "symlink loop"
    if os.geteuid() != 0:
        assert reasons["secret.py"].startswith("unreadable")
    assert "broken.py" in graph.errors
    qnames = {n.qname for n in graph.nodes.values()}
    assert {"ok.f", "broken.fine"} <= qnames
    summary = summarize(graph)
    assert summary["skipped"] == len(graph.skipped)
    assert summary["files_with_errors"] == 1


def test_progress_reaches_one_and_cancel_stops(tmp_path: Path) -> None:
    for i in range(5):
        write(tmp_path, f"m{i}.py", f"def f{i}():\n    return {i}\n")
    seen: list[float] = []
    index_path(tmp_path, progress=lambda fraction, message: seen.append(fraction))
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    stop = threading.Event()
    stop.set()
    assert index_path(tmp_path, cancel=stop).cancelled
    index = GraphIndex(tmp_path)
    with pytest.raises(IndexCancelled):
        index.index_all(cancel=lambda: True)
    assert index.files == {}


def test_update_reresolves_dependents_only(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "def helper():\n    return 1\n")
    write(tmp_path, "b.py", "from a import helper\n\ndef run():\n    helper()\n")
    write(tmp_path, "c.py", "def alone():\n    return 2\n")
    index = GraphIndex(tmp_path)
    index.index_all()
    write(tmp_path, "a.py", "def other():\n    return 1\n")
    report = index.update(["a.py"])
    assert report.extracted == ["a.py"]
    assert "c.py" not in report.resolved
    assert "b.py" in report.resolved
    unresolved = {u.target_text for u in index.graph().unresolved}
    assert "helper" in unresolved


def test_unchanged_file_is_not_reextracted(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "def f():\n    return 1\n")
    index = GraphIndex(tmp_path)
    index.index_all()
    assert index.update(["a.py"]).extracted == []


def test_external_imports_become_packages(tmp_path: Path) -> None:
    write(tmp_path, "m.py", "import yaml\nimport os\n")
    graph = index_path(tmp_path)
    packages = {
        n.qname: n.attrs["stdlib"] for n in graph.nodes.values() if n.kind == "external_package"
    }
    assert packages == {"yaml": False, "os": True}
