"""Claude Desktop / Cursor and VS Code config files in and out."""

from __future__ import annotations

import json

import pytest

from vibe.core.errors import ValidationFailed
from vibe.orchestrator.config_io import export_config, parse_config

CLAUDE = {
    "mcpServers": {
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret", "LOG_LEVEL": "info"},
        },
        "remote": {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer t"}},
        "legacy": {"url": "https://old.example.com/sse"},
    }
}


def test_claude_config_round_trip_keeps_secrets_out():
    servers = {s.name: s for s in parse_config(json.dumps(CLAUDE))}
    github = servers["github"]
    assert github.transport == "stdio"
    assert github.env == {"LOG_LEVEL": "info"}
    assert github.secret_env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret"}
    assert servers["remote"].transport == "streamable_http"
    assert servers["legacy"].transport == "sse"
    exported = export_config(list(servers.values()))
    text = json.dumps(exported)
    assert "ghp_secret" not in text and "Bearer t" not in text
    env = exported["mcpServers"]["github"]["env"]
    assert env["GITHUB_PERSONAL_ACCESS_TOKEN"] == "${secret:GITHUB_PERSONAL_ACCESS_TOKEN}"
    again = {s.name: s for s in parse_config(exported)}
    assert again["github"].args == github.args
    assert again["remote"].url == "https://mcp.example.com/mcp"
    assert again["legacy"].transport == "sse"


def test_vscode_config_round_trip():
    vscode = {
        "servers": {
            "fs": {"type": "stdio", "command": "mcp-fs", "args": ["/tmp"]},
            "web": {"type": "http", "url": "https://x.example/mcp"},
            "old": {"type": "sse", "url": "https://y.example/events"},
        }
    }
    servers = parse_config(vscode)
    assert [s.transport for s in servers] == ["stdio", "streamable_http", "sse"]
    exported = export_config(servers, "vscode")
    assert exported["servers"]["web"]["type"] == "http"
    assert exported["servers"]["fs"] == {"type": "stdio", "command": "mcp-fs", "args": ["/tmp"]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            '{"mcpServers": {"github": {"type": "stdio"}}}',
            "mcpServers.github.command: required for stdio",
        ),
        (
            '{"servers": {"x": {"type": "websocket", "url": "ws://a"}}}',
            "servers.x.type: unknown transport 'websocket'",
        ),
        ('{"servers": {"x": {"type": "http"}}}', "servers.x.url: required for streamable_http"),
        ('{"mcpServers": {"x": {}}}', "mcpServers.x: needs a command (stdio) or a url"),
        ('{"mcpServers": {"x": {"command": "a", "args": "not-a-list"}}}', "mcpServers.x.args:"),
        ('{"mcpServers": {"bad name": {"command": "a"}}}', "mcpServers.bad name: server names"),
        ('{"mcpServers": []}', "mcpServers: must be an object"),
        ('{"tools": {}}', 'expected a "mcpServers" or "servers" object'),
        ("{not json", "not valid JSON"),
    ],
)
def test_malformed_configs_name_the_field(document: str, message: str):
    with pytest.raises(ValidationFailed) as info:
        parse_config(document)
    assert message in info.value.message


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationFailed) as info:
        parse_config({"mcpServers": {"a": {"type": "stdio"}, "b": {"type": "ftp", "url": "x"}}})
    assert "mcpServers.a.command" in info.value.message
    assert "mcpServers.b.type" in info.value.message
