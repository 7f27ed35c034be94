"""The off-the-shelf servers installed by `make mcp-servers`, started for real by the supervisor
with the preconfigured settings, one tool call each. tree-sitter and Semgrep run in a network
namespace of their own when `unshare -n` is allowed here: proof that they need no internet."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.orchestrator.conftest import alive, wait_until
from tests.standins import github_rest
from vibe.core.config import get_settings
from vibe.orchestrator import builtin, offshelf, registry
from vibe.orchestrator.clients import ServerSpec
from vibe.orchestrator.supervisor import Supervisor

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "ghp_" + "a1" * 18
NO_EVAL = """rules:
- id: no-eval
  pattern: eval(...)
  message: eval runs arbitrary code
  languages: [python]
  severity: ERROR
"""


def _offline_ok() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


OFFLINE = _offline_ok()


@pytest.fixture(autouse=True)
def tools_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VIBE_MCP_TOOLS_DIR", str(ROOT / "tools" / "mcp"))
    get_settings.cache_clear()
    return ROOT / "tools" / "mcp"


def _spec(name: str, session: Any, *, offline: bool) -> ServerSpec:
    row = next(r for r in builtin.preconfigure(session=session) if r.name == name)
    session.commit()
    reason = builtin.missing_reason(name)
    if reason.endswith(offshelf.INSTALL_HINT):
        pytest.skip(reason)
    assert not reason and row.enabled, reason
    spec = registry.to_spec(row)
    if offline and OFFLINE:
        spec.command, spec.args = "unshare", ["-n", spec.command, *spec.args]
    return spec


def _run(spec: ServerSpec, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    results: list[Any] = []
    pid: list[int | None] = []

    async def scenario() -> None:
        async with Supervisor(start_timeout=90) as sup:
            sup.apply(spec)
            ready = await sup.wait_ready([spec.id], timeout=120)
            runtime = sup.runtimes[spec.id]
            assert ready, f"{runtime.error}\n{runtime.tail.text(30)}"
            pid.append(runtime.pid)
            for tool, arguments in calls:
                results.append(await sup.call_tool(spec.id, tool, arguments, timeout=180))

    anyio.run(scenario)
    if pid[0]:
        wait_until(lambda: not alive(pid[0]), what="the server process to be gone")
    return results


def _text(result: Any) -> str:
    assert not result.is_error, result.content
    return "\n".join(c.text for c in result.content if hasattr(c, "text"))


def test_missing_environment_means_disabled_with_the_reason(session, admin, monkeypatch, tmp_path):
    monkeypatch.setenv("VIBE_MCP_TOOLS_DIR", str(tmp_path / "nothing"))
    get_settings.cache_clear()
    rows = {r.name: r for r in builtin.preconfigure(session=session)}
    for name in ("tree-sitter", "semgrep", "github"):
        assert not rows[name].enabled
        assert "make mcp-servers" in builtin.missing_reason(name)


def test_tree_sitter_parses_offline(session, admin, tmp_path):
    spec = _spec("tree-sitter", session, offline=True)
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "app.py").write_text("def greet(name):\n    return name\n")
    languages, _registered, ast = _run(
        spec,
        [
            ("list_languages", {}),
            ("register_project_tool", {"path": str(tmp_path / "demo"), "name": "demo"}),
            ("get_ast", {"project": "demo", "path": "app.py", "max_depth": 3}),
        ],
    )
    assert "python" in _text(languages)
    assert "function_definition" in _text(ast)


def test_semgrep_scans_with_a_local_rule_offline(session, admin):
    spec = _spec("semgrep", session, offline=True)
    code = [{"filename": "app.py", "content": "x = eval(input())\n"}]
    (scan,) = _run(spec, [("semgrep_scan_with_custom_rule", {"code_files": code, "rule": NO_EVAL})])
    found = json.loads(_text(scan))
    assert [r["check_id"].rsplit(".", 1)[-1] for r in found["results"]] == ["no-eval"]
    assert found["results"][0]["start"]["line"] == 1


def test_github_reads_a_file_from_the_enterprise_stand_in(session, admin, monkeypatch, tmp_path):
    cert, key = github_rest.self_signed(tmp_path)
    files = {"octocat/hello/README.md": b"Hello from the stand-in\n"}
    app = github_rest.create_app(token=TOKEN, files=files)
    with github_rest.serve_https(app, cert, key) as base:
        monkeypatch.setenv("VIBE_GITHUB_API_URL", f"{base}/api/v3")
        monkeypatch.setenv("VIBE_MCP_GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("VIBE_MCP_GITHUB_CA_FILE", str(cert))
        get_settings.cache_clear()
        spec = _spec("github", session, offline=False)
        assert spec.env["GITHUB_ENTERPRISE_ENDPOINT"] == f"{base}/api/v3"
        repo, readme = _run(
            spec,
            [
                ("github-repo-get", {"owner": "octocat", "repo": "hello"}),
                ("github-contents-get", {"owner": "octocat", "repo": "hello", "path": "README.md"}),
            ],
        )
    assert json.loads(_text(repo))["full_name"] == "octocat/hello"
    content = json.loads(_text(readme))
    assert base64.b64decode(content["content"]) == b"Hello from the stand-in\n"


def test_github_com_route_lists_its_tools_offline(session, admin, monkeypatch):
    monkeypatch.setenv("VIBE_GITHUB_API_URL", "https://api.github.com/")
    monkeypatch.setenv("VIBE_MCP_GITHUB_TOKEN", TOKEN)
    get_settings.cache_clear()
    spec = _spec("github", session, offline=True)
    assert spec.command.endswith("mcp-server-github") or spec.args[1].endswith("mcp-server-github")
    assert spec.env["GITHUB_PERSONAL_ACCESS_TOKEN"] == TOKEN
    assert _run(spec, []) == []
