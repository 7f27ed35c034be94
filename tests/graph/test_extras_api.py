"""Findings and coverage through the REST API: real semgrep job, uploads of every format."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.graph.test_api import wait_indexed
from vibe.core.config import get_settings
from vibe.graph.engine.findings import DEFAULT_SEMGREP
from vibe.graph.engine.ids import node_id
from vibe.projects import members
from vibe.projects import service as projects
from vibe.projects.workspace import workspace_root

COVPROJ = Path(__file__).parent.parent / "fixtures" / "graph_extras" / "covproj"
RC = "[run]\ndynamic_context = test_function\nsource = calc\n"
EVIL = "def run(text):\n    return eval(text)\n"
DEADLINE = 60.0
needs_semgrep = pytest.mark.skipif(
    not DEFAULT_SEMGREP.exists(), reason=f"semgrep is not installed at {DEFAULT_SEMGREP}"
)


@pytest.fixture(autouse=True)
def stop_embedded_runner() -> Iterator[None]:
    from jobs import embedded

    embedded.shutdown()
    yield
    embedded.shutdown()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """coverage.py JSON (with test contexts), Cobertura XML and lcov of a real run."""
    root = Path(shutil.copytree(COVPROJ, tmp_path_factory.mktemp("cov") / "proj"))
    (root / ".coveragerc").write_text(RC)
    for args in (
        ("run", "run_tests.py"),
        ("json", "--show-contexts", "-o", "cov.json"),
        ("xml", "-o", "cov.xml"),
        ("lcov", "-o", "cov.lcov"),
    ):
        command = [sys.executable, "-m", "coverage", *args]
        subprocess.run(command, cwd=root, check=True, capture_output=True, timeout=120)
    return {n: (root / f"cov.{n}").read_bytes() for n in ("json", "xml", "lcov")}


@pytest.fixture
def project(session, make_user, login):
    alice = make_user("alice")
    access = projects.create_project(alice, name="Extras", session=session)
    session.commit()
    root = workspace_root(access.project.id)
    shutil.copytree(COVPROJ, root, dirs_exist_ok=True)
    (root / "calc" / "evil.py").write_text(EVIL)
    client = login(alice)
    base = f"/api/v1/projects/{access.project.id}/graph"
    assert client.post(f"{base}/index").status_code == 202
    assert wait_indexed(client, base)["job"]["status"] == "succeeded"
    return alice, access.project.id, client, base


def wait_job(client, job_id: str) -> dict:
    end = time.monotonic() + DEADLINE
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < end, f"job did not finish: {job}"
        threading.Event().wait(0.05)


@needs_semgrep
def test_findings_scan_job_stores_attached_findings(project):
    _, pid, client, base = project
    started = client.post(f"{base}/findings/scan")
    assert started.status_code == 202, started.text
    job = wait_job(client, started.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["findings"] >= 1
    listed = client.get(f"{base}/findings").json()
    [evil] = [f for f in listed["findings"] if f["file"] == "calc/evil.py"]
    assert evil["rule"] == "python-eval-exec" and evil["severity"] == "error"
    assert evil["start_line"] == 2 and "eval" in evil["message"]
    assert evil["node"]["id"] == node_id(str(pid), "function", "calc.evil.run")
    assert listed["summary"]["by_rule"]["python-eval-exec"] >= 1
    assert listed["job"]["status"] == "succeeded"
    assert client.get(f"{base}/findings", params={"severity": "info"}).json()["findings"] == []
    # A re-index keeps the finding, attached to the same function.
    client.post(f"{base}/index", json={"full": True})
    assert wait_indexed(client, base)["job"]["status"] == "succeeded"
    again = client.get(f"{base}/findings").json()["findings"]
    assert evil in again
    node = client.get(f"{base}/nodes/{evil['id']}").json()
    assert node["kind"] == "finding"


def test_strangers_get_404_and_viewers_cannot_scan_or_upload(project, make_user, login, session):
    alice, pid, _, base = project
    stranger = login(make_user("mallory"))
    for response in (
        stranger.post(f"{base}/findings/scan"),
        stranger.get(f"{base}/findings"),
        stranger.get(f"{base}/coverage"),
        stranger.post(f"{base}/coverage", files={"file": ("c.json", b"{}")}),
    ):
        assert response.status_code == 404, response.text
    viewer = make_user("victor")
    members.add_member(alice, pid, username="victor", role="viewer", session=session)
    session.commit()
    client = login(viewer)
    assert client.post(f"{base}/findings/scan").status_code == 403
    assert client.post(f"{base}/coverage", files={"file": ("c.json", b"{}")}).status_code == 403
    assert client.get(f"{base}/findings").status_code == 200
    assert client.get(f"{base}/coverage").json()["format"] is None


def test_coverage_upload_of_each_format_survives_reindex(project, reports):
    _, pid, client, base = project
    add = node_id(str(pid), "function", "calc.ops.add")
    expected = {"json": "coverage.py", "xml": "cobertura", "lcov": "lcov"}
    for name, fmt in expected.items():
        response = client.post(f"{base}/coverage", files={"file": (f"cov.{name}", reports[name])})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["format"] == fmt and body["filename"] == f"cov.{name}"
        totals = body["summary"]["totals"]
        assert 0 < totals["covered"] < totals["total"]
        assert {f["file"] for f in body["summary"]["files"]} >= {"calc/ops.py"}
        node = client.get(f"{base}/nodes/{add}").json()
        assert node["attrs"]["coverage"]["covered"] == 1, name
    # The JSON (with test contexts) again: test nodes and covers edges, kept over a re-index.
    client.post(f"{base}/coverage", files={"file": ("cov.json", reports["json"])})
    summary = client.get(f"{base}/coverage").json()
    assert summary["format"] == "coverage.py" and summary["summary"]["tests"] >= 3
    covers = client.get(f"{base}/nodes/{add}/neighbours", params={"kind": "covers"}).json()
    assert covers and {n["direction"] for n in covers} == {"in"}
    (workspace_root(pid) / "calc" / "more.py").write_text("def more():\n    return 2\n")
    client.post(f"{base}/index")
    assert wait_indexed(client, base)["job"]["status"] == "succeeded"
    assert client.get(f"{base}/nodes/{add}").json()["attrs"]["coverage"]["covered"] == 1
    again = client.get(f"{base}/nodes/{add}/neighbours", params={"kind": "covers"}).json()
    assert {n["node"]["id"] for n in again} == {n["node"]["id"] for n in covers}


def test_bad_and_oversized_coverage_uploads(project, monkeypatch):
    _, _, client, base = project
    bad = client.post(f"{base}/coverage", files={"file": ("notes.txt", b"hello world\n")})
    assert bad.status_code == 400
    assert "not a coverage report" in bad.json()["error"]["message"]
    broken = client.post(f"{base}/coverage", files={"file": ("c.json", b'{"files": [1')})
    assert broken.status_code == 400
    assert "could not read the coverage.py report" in broken.json()["error"]["message"]
    bomb = b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa">]><coverage>&a;</coverage>'
    entities = client.post(f"{base}/coverage", files={"file": ("c.xml", bomb)})
    assert entities.status_code == 400 and "entities" in entities.json()["error"]["message"]
    monkeypatch.setenv("VIBE_GRAPH_COVERAGE_MAX_BYTES", "100")
    get_settings.cache_clear()
    big = client.post(f"{base}/coverage", files={"file": ("c.json", b"{" + b" " * 200 + b"}")})
    assert big.status_code == 413 and "100 bytes" in big.json()["error"]["message"]
    assert client.get(f"{base}/coverage").json()["format"] is None


@needs_semgrep
def test_index_job_queues_a_findings_scan_unless_switched_off(project, monkeypatch):
    _, _, client, base = project
    result = client.get(f"{base}/status").json()["job"]["result"]
    assert result["findings_job"], result
    assert wait_job(client, result["findings_job"])["status"] == "succeeded"
    assert client.get(f"{base}/status").json()["findings_job"]["id"] == result["findings_job"]
    assert client.get(f"{base}/findings").json()["summary"]["findings"] >= 1
    monkeypatch.setenv("VIBE_GRAPH_FINDINGS_AFTER_INDEX", "false")
    get_settings.cache_clear()
    client.post(f"{base}/index", json={"full": True})
    status = wait_indexed(client, base)
    assert (
        status["job"]["status"] == "succeeded" and status["job"]["result"]["findings_job"] is None
    )
