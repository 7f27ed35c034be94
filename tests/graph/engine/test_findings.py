"""Semgrep findings: report parsing (recorded sample), graph attachment and the real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest

from vibe.graph.engine.api import index_path
from vibe.graph.engine.findings import (
    DEFAULT_SEMGREP,
    SemgrepCancelledError,
    SemgrepError,
    SemgrepNotFoundError,
    SemgrepTimeoutError,
    finding_nodes,
    has_finding_edges,
    parse_report,
    rule_id,
    run_semgrep,
    scan_findings,
)
from vibe.graph.engine.ids import node_id

EXTRAS = Path(__file__).parents[2] / "fixtures" / "graph_extras"
EXPECTED = {
    ("app/danger.py", 9, "python-hardcoded-secret", "module", "app.danger"),
    ("app/danger.py", 13, "python-subprocess-shell", "function", "app.danger.run"),
    ("app/danger.py", 20, "python-yaml-unsafe-load", "method", "app.danger.Loader.config"),
    ("app/danger.py", 26, "python-pickle-load", "method", "app.danger.Loader.blob"),
    ("app/danger.py", 31, "python-eval-exec", "function", "app.danger.calc.inner"),
    ("app/danger.py", 36, "python-os-system", "module", "app.danger"),
    ("web/page.js", 2, "js-hardcoded-secret", "module", "web.page"),
    ("web/page.js", 5, "js-inner-html", "function", "web.page.render"),
    ("web/page.js", 9, "js-eval", "function", "web.page.run"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The fixture copied outside the repository: semgrep skips `tests/` and untracked files."""
    return Path(shutil.copytree(EXTRAS / "findings", tmp_path / "proj"))


@pytest.fixture
def report() -> dict:
    return json.loads((EXTRAS / "semgrep_report.json").read_text())


def _attached(project: Path, nodes: list, edges: list) -> set[tuple]:
    graph = index_path(project, project="p")
    by_id = {n.id: n for n in nodes}
    owners = {e.target: graph.nodes[e.source] for e in edges}
    return {
        (by_id[t].file, by_id[t].start_line, by_id[t].name, owner.kind, owner.qname)
        for t, owner in owners.items()
    }


def test_rule_id_keeps_the_last_segment() -> None:
    assert rule_id("work.main.vibe.graph.rules.python-eval-exec") == "python-eval-exec"
    assert rule_id("no-eval") == "no-eval"


def test_parse_recorded_report(report: dict, project: Path) -> None:
    findings = parse_report(report, project)
    first = findings[0]
    assert (first.rule, first.severity, first.file) == (
        "python-hardcoded-secret",
        "warning",
        "app/danger.py",
    )
    assert (first.start_line, first.start_col, first.end_line, first.end_col) == (9, 1, 9, 37)
    assert "API_KEY" in first.message and first.metadata["cwe"].startswith("CWE-798")
    assert {f.severity for f in findings} == {"error", "warning"}
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_fingerprints_survive_moved_code(report: dict, project: Path) -> None:
    before = [f.fingerprint for f in parse_report(report, project)]
    danger = project / "app" / "danger.py"
    danger.write_text("# one\n# two\n" + danger.read_text())
    for result in report["results"]:
        if result["path"] == "app/danger.py":
            result["start"]["line"] += 2
            result["end"]["line"] += 2
    assert [f.fingerprint for f in parse_report(report, project)] == before


def test_identical_matches_get_distinct_fingerprints(report: dict) -> None:
    twice = {"results": [report["results"][0], report["results"][0]]}
    first, second = parse_report(twice)
    assert first.fingerprint != second.fingerprint
    assert second.fingerprint.startswith(first.fingerprint)


def test_findings_attach_to_innermost_definition(report: dict, project: Path) -> None:
    nodes = finding_nodes("p", parse_report(report, project))
    graph = index_path(project, project="p")
    edges = has_finding_edges(nodes, graph.nodes.values())
    assert {e.kind for e in edges} == {"has_finding"}
    assert _attached(project, nodes, edges) == EXPECTED
    qname = nodes[0].qname
    assert nodes[0].id == node_id("p", "finding", qname) and nodes[0].kind == "finding"
    assert nodes[0].attrs["rule"] == "python-hardcoded-secret"


def test_missing_semgrep_is_a_clear_error(project: Path) -> None:
    with pytest.raises(SemgrepNotFoundError, match="semgrep not found"):
        run_semgrep(project, executable=project / "no-such-semgrep")


def _fake_semgrep(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-semgrep"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except (FileNotFoundError, ProcessLookupError):
            return True  # reaped since the kill(0)
        if state == "Z":
            return True  # killed, waiting for init to reap it
        time.sleep(0.05)
    return False


def test_cancel_kills_the_subprocess_and_its_children(tmp_path: Path, project: Path) -> None:
    pid_file = tmp_path / "child.pid"
    fake = _fake_semgrep(tmp_path, f"sleep 30 & echo $! > {pid_file}; wait")
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(SemgrepCancelledError):
        run_semgrep(project, executable=fake, cancel=cancel)
    assert time.monotonic() - started < 5
    assert _gone(int(pid_file.read_text()))


def test_timeout_kills_the_subprocess(tmp_path: Path, project: Path) -> None:
    fake = _fake_semgrep(tmp_path, "sleep 30")
    with pytest.raises(SemgrepTimeoutError):
        run_semgrep(project, executable=fake, timeout=0.5)


def test_output_that_is_not_a_report_is_an_error(tmp_path: Path, project: Path) -> None:
    fake = _fake_semgrep(tmp_path, "echo boom >&2; echo not-json; exit 2")
    with pytest.raises(SemgrepError, match="boom"):
        run_semgrep(project, executable=fake)


@pytest.mark.skipif(
    not DEFAULT_SEMGREP.exists(),
    reason="semgrep venv absent: python3 -m venv tools/semgrep && "
    "tools/semgrep/bin/pip install semgrep==1.185.0",
)
def test_real_semgrep_run_on_the_fixture(project: Path) -> None:
    graph = index_path(project, project="p")
    seen: list[str] = []
    result = scan_findings(
        project, "p", graph.nodes.values(), progress=lambda _f, message: seen.append(message)
    )
    assert result.errors == []  # the shipped rule packs parse
    assert sorted(result.scanned) == ["app/danger.py", "web/page.js"]
    assert _attached(project, result.nodes, result.edges) == EXPECTED
    assert seen[-1] == "semgrep: 9 findings"
