"""`vibe graph findings` and `vibe graph coverage` on a plain folder through click's CliRunner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.graph.test_cli import run
from tests.graph.test_extras_api import COVPROJ, EVIL, needs_semgrep, reports  # noqa: F401
from vibe.graph import extras
from vibe.graph.cli import open_db
from vibe.graph.engine import findings as engine_findings


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = Path(shutil.copytree(COVPROJ, tmp_path / "proj"))
    (root / "calc" / "evil.py").write_text(EVIL)
    (root / "requirements.txt").write_text("PyYAML==6.0.1\n")
    (root / "calc" / "conf.py").write_text(
        "import yaml\n\n\ndef read(t):\n    return yaml.load(t)\n"
    )
    result = run("index", str(root))
    assert result.exit_code == 0, result.output
    assert "edges: depends_on" in result.output
    return root


@needs_semgrep
def test_findings_command_prints_a_summary_and_stores_findings(folder):
    result = run("findings", str(folder))
    assert result.exit_code == 0, result.output
    for phrase in ("findings in", "severity: error", "rule: python-eval-exec", "calc.evil.run"):
        assert phrase in result.output
    with open_db(folder / ".vibe-graph.db") as session:
        from vibe.graph import service

        row = service.standalone_index(folder, session=session)
        stored = extras.list_findings(session, row.id)
    assert any(f["file"] == "calc/evil.py" and f["node"] for f in stored)
    again = run("index", str(folder))  # incremental: nothing changed, findings stay
    assert again.exit_code == 0
    with open_db(folder / ".vibe-graph.db") as session:
        assert extras.list_findings(session, row.id) == stored


def test_findings_without_semgrep_is_a_clear_error(folder, monkeypatch):
    monkeypatch.setattr(engine_findings, "DEFAULT_SEMGREP", folder / "no-semgrep")
    monkeypatch.setenv("PATH", str(folder / "empty-bin"))
    result = run("findings", str(folder))
    assert result.exit_code == 1
    assert "semgrep not found" in result.output and "pip install semgrep" in result.output
    explicit = run("findings", str(folder), "--semgrep", str(folder / "nope"))
    assert explicit.exit_code == 1 and "semgrep not found" in explicit.output


def test_findings_before_indexing_is_refused(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run("findings", str(tmp_path))
    assert result.exit_code == 1 and "not indexed yet" in result.output


def test_coverage_command_imports_each_format(folder, reports, tmp_path):  # noqa: F811
    for name, fmt in (("json", "coverage.py"), ("xml", "cobertura"), ("lcov", "lcov")):
        report = tmp_path / f"cov.{name}"
        report.write_bytes(reports[name])
        db = tmp_path / "other.db"
        if name == "json":  # --db: a graph stored outside the folder
            assert run("index", str(folder), "--db", str(db)).exit_code == 0
            result = run("coverage", str(report), "--db", str(db), str(folder))
        else:
            result = run("coverage", str(report), str(folder))
        assert result.exit_code == 0, result.output
        assert f"({fmt})" in result.output and "lines covered" in result.output
        assert "calc/ops.py" in result.output  # among the least covered files
    summary = _summary(folder)
    assert summary["format"] == "lcov" and summary["summary"]["totals"]["covered"] > 0


def test_coverage_command_rejects_a_bad_report(folder, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    result = run("coverage", str(bad), str(folder))
    assert result.exit_code == 1 and "not a coverage report" in result.output


def _summary(folder: Path) -> dict:
    from vibe.graph import service

    with open_db(folder / ".vibe-graph.db") as session:
        row = service.standalone_index(folder, session=session)
        return extras.coverage_summary(session, row)
