"""`vibe mcp ...` against the real database, and `vibe mcp serve --stdio` driven by a real
mcp.Client that starts it as a child process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
from click.testing import CliRunner
from mcp import Client, StdioServerParameters

from tests.conftest import SECRET
from tests.orchestrator.conftest import ECHO, alive, wait_until
from vibe.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_registry_commands(db, admin, tmp_path):
    runner = CliRunner()
    added = runner.invoke(
        main,
        [
            "mcp",
            "add",
            "echo",
            "--command",
            sys.executable,
            "--arg",
            ECHO,
            "--tag",
            "echo",
            "--secret-env",
            "API_TOKEN=abc123",
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["mcp", "list"])
    assert "echo" in listed.output and "stdio" in listed.output
    exported = runner.invoke(main, ["mcp", "export"])
    document = json.loads(exported.output)
    assert document["mcpServers"]["echo"]["env"]["API_TOKEN"] == "${secret:API_TOKEN}"
    tools = runner.invoke(main, ["mcp", "tools"])
    assert "echo__echo" in tools.stdout, tools.output
    assert tools.stderr.startswith("Starting 1 MCP server (Ctrl+C stops)…\n  ready  echo ("), (
        tools.stderr
    )
    called = runner.invoke(main, ["mcp", "call", "echo__echo", "--args", '{"text": "cli"}'])
    assert called.exit_code == 0 and json.loads(called.stdout)["content"][0]["text"] == "cli"
    route = runner.invoke(main, ["mcp", "route", "echo"])
    assert route.stdout.startswith("echo: echo"), route.output
    config = tmp_path / "claude.json"
    config.write_text(json.dumps({"mcpServers": {"x": {"type": "stdio"}}}))
    bad = runner.invoke(main, ["mcp", "import", str(config)])
    assert bad.exit_code == 1 and "mcpServers.x.command: required for stdio" in bad.output
    removed = runner.invoke(main, ["mcp", "remove", "echo"])
    assert removed.exit_code == 0 and runner.invoke(main, ["mcp", "list"]).output == ""


def test_live_commands_tell_which_server_is_up_or_failed_as_it_starts(db, admin):
    runner = CliRunner()
    for name, command in (("echo", [sys.executable, "--arg", ECHO]), ("gone", ["/no/such/x"])):
        added = runner.invoke(main, ["mcp", "add", name, "--command", *command])
        assert added.exit_code == 0, added.output
    tools = runner.invoke(main, ["mcp", "tools"])
    assert tools.exit_code == 0 and "echo__echo" in tools.stdout and "Starting" not in tools.stdout
    lines = tools.stderr.splitlines()
    assert lines[0] == "Starting 2 MCP servers (Ctrl+C stops)…"
    assert sorted(line.split()[0] for line in lines[1:]) == ["failed", "ready"], tools.stderr
    assert any(line.endswith("): command not found: /no/such/x") for line in lines), tools.stderr
    for name in ("echo", "gone"):
        assert runner.invoke(main, ["mcp", "remove", name]).exit_code == 0


def test_serve_stdio_for_desktop_clients(db, admin, token_for, session, vibe_env):
    from vibe.orchestrator import registry
    from vibe.orchestrator.schemas import ServerIn

    registry.create_server(
        admin, ServerIn(name="echo", command=sys.executable, args=[ECHO]), session=session
    )
    session.commit()
    token = token_for(admin)
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "vibe.cli", "mcp", "serve", "--stdio", "--token", token],
        cwd=str(ROOT),
        env={
            "VIBE_DATABASE_URL": db,
            "VIBE_SECRET_KEY": SECRET,
            "VIBE_DATA_DIR": str(vibe_env),
            "VIBE_LOG_JSON": "false",
            "PYTHONPATH": str(ROOT),
        },
    )
    pids: list[int] = []

    async def scenario() -> None:
        async with Client(params, mode="legacy") as client:
            with anyio.fail_after(30):
                while "echo__echo" not in {t.name for t in (await client.list_tools()).tools}:
                    await anyio.sleep(0.05)
            result = await client.call_tool("echo__echo", {"text": "desktop"})
            assert result.content[0].text == "desktop"
            child = await client.call_tool("echo__spawn_child", {})
            pids.append(child.structured_content["result"])

    anyio.run(scenario)
    wait_until(lambda: not alive(pids[0]), deadline=15, what="the grandchild to be killed")


def test_serve_refuses_a_bad_token(db):
    result = CliRunner().invoke(main, ["mcp", "serve", "--stdio", "--token", "vibe_wrong"])
    assert result.exit_code == 1 and "invalid" in result.output
