"""Off-the-shelf MCP servers Vibe preconfigures: tree-sitter, Semgrep and GitHub.

`make mcp-servers` installs each ahead of time into an environment of its own under
``settings.mcp_tools_dir`` (never Vibe's venv, never fetched at run time):

* ``tree-sitter``: PyPI ``mcp-server-tree-sitter`` 0.7.0 with ``mcp<2`` (it imports
  ``mcp.server.fastmcp``, gone in mcp 2) and ``tree-sitter-language-pack`` 0.13.0, whose wheel
  bundles the compiled grammars (1.x fetches them at run time).
* ``semgrep``: PyPI ``semgrep-mcp`` 0.8.1, the last release with scan tools (0.9.0 only
  offers a deprecation notice; ``semgrep mcp`` of semgrep 1.185 fetches OAuth metadata from
  semgrep.dev at start and dies offline). ``pydantic<2.12`` because its mcp 1.12.2 breaks on
  newer pydantic. Its OpenTelemetry export to semgrep.dev is switched off below.
* ``github``: npm ``github-enterprise-mcp-server`` 1.1.2, which takes the API base URL (our
  ``github_api_url``, ``https://HOST/api/v3``) and trusts extra CAs via NODE_EXTRA_CA_CERTS;
  for api.github.com, npm ``@modelcontextprotocol/server-github`` 2025.4.8 (hard-coded to it).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from vibe.core.config import get_settings
from vibe.orchestrator.builtin import Preset

INSTALL_HINT = "run `make mcp-servers`"
GITHUB_ENTERPRISE_BIN = "github/node_modules/.bin/github-enterprise-mcp-server"
GITHUB_COM_BIN = "github/node_modules/.bin/mcp-server-github"


def tools_dir() -> Path:
    return get_settings().mcp_tools_dir.resolve()


def _missing(path: Path, what: str) -> str:
    if os.access(path, os.X_OK):
        return ""
    return f"{what} is not installed ({path} is missing): {INSTALL_HINT}"


def tree_sitter() -> Preset:
    command = tools_dir() / "tree-sitter" / "bin" / "mcp-server-tree-sitter"
    return Preset(
        name="tree-sitter",
        description="Syntax trees, symbols and queries for many languages.",
        command=str(command),
        args=[],
        tags=["ast", "tree-sitter", "code-intelligence", "symbols"],
        missing=_missing(command, "mcp-server-tree-sitter"),
    )


def semgrep() -> Preset:
    root = tools_dir() / "semgrep" / "bin"
    command = root / "semgrep-mcp"
    return Preset(
        name="semgrep",
        description="Static analysis with Semgrep rules you provide (semgrep-mcp, offline).",
        command=str(command),
        args=["-t", "stdio"],
        tags=["static-analysis", "security", "semgrep", "lint"],
        env={
            "SEMGREP_PATH": str(root / "semgrep"),
            "USE_SEMGREP_RPC": "false",
            "OTEL_SDK_DISABLED": "true",
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "SEMGREP_SEND_METRICS": "off",
        },
        missing=_missing(command, "semgrep-mcp"),
        timeout_seconds=120.0,
    )


def github() -> Preset:
    settings = get_settings()
    api = settings.github_api_url.rstrip("/")
    token = settings.mcp_github_token
    if urlsplit(api).hostname == "api.github.com":
        command = tools_dir() / GITHUB_COM_BIN
        env: dict[str, str] = {}
        secret = {"GITHUB_PERSONAL_ACCESS_TOKEN": token} if token else {}
        missing = _missing(command, "@modelcontextprotocol/server-github")
    else:
        command = tools_dir() / GITHUB_ENTERPRISE_BIN
        env = {"GITHUB_ENTERPRISE_ENDPOINT": api, "GITHUB_ENTERPRISE_SKIP_SCOPE_WARNING": "1"}
        if settings.mcp_github_ca_file:
            env["NODE_EXTRA_CA_CERTS"] = str(Path(settings.mcp_github_ca_file).resolve())
        secret = {"GITHUB_ENTERPRISE_TOKEN": token} if token else {}
        missing = _missing(command, "github-enterprise-mcp-server") or _https_only(api)
    if not missing and not token:
        missing = "no token: set VIBE_MCP_GITHUB_TOKEN (or the server's token variable here)"
    return Preset(
        name="github",
        description="Repositories, files, branches, issues and pull requests on GitHub.",
        command=str(command),
        args=[],
        tags=["github", "git", "repositories", "pull-requests"],
        env=env,
        secret_env=secret,
        missing=missing,
    )


def _https_only(api: str) -> str:
    if api.startswith("https://"):
        return ""
    return f"github-enterprise-mcp-server only talks https; VIBE_GITHUB_API_URL is {api}"


def presets() -> list[Preset]:
    return [tree_sitter(), semgrep(), github()]
