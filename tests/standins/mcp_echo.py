"""A tiny MCP server for the orchestrator tests, run as a real child process.

    python tests/standins/mcp_echo.py            # stdio
    python tests/standins/mcp_echo.py --http P   # streamable HTTP on 127.0.0.1:P at /mcp

Tools: echo, slow, fail, crash, spawn_child, add_tool (announces tools/list_changed),
traceparent (the W3C trace context the call carried in `_meta`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("echo", version="1.0")


@server.tool()
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep for the given seconds, then answer."""
    await anyio.sleep(seconds)
    return f"slept {seconds}"


@server.tool()
def fail(message: str = "boom") -> str:
    """Always fail with the message."""
    raise RuntimeError(message)


@server.tool()
def crash(code: int = 3) -> str:
    """Exit the server process at once."""
    sys.stderr.write(f"crashing with {code}\n")
    sys.stderr.flush()
    os._exit(code)


@server.tool()
def spawn_child() -> int:
    """Start a long-running grandchild process and return its pid."""
    child = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL)
    return child.pid


@server.tool()
async def add_tool(name: str, ctx: Context) -> str:
    """Register a new tool and announce that the list changed."""

    def extra() -> str:
        return name

    server.add_tool(extra, name=name, description=f"added at run time: {name}")
    await ctx.session.send_tool_list_changed()
    return name


@server.tool()
def traceparent(ctx: Context) -> str:
    """The W3C traceparent the call carried in `_meta`, or '' without one."""
    meta = ctx.request_context.meta or {}
    return str(meta.get("traceparent", ""))


@server.resource("echo://readme")
def readme() -> str:
    """A static resource."""
    return "echo server readme"


@server.prompt()
def greet(who: str) -> str:
    """A greeting prompt."""
    return f"Say hello to {who}."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, default=None)
    parser.add_argument("--stderr", default="", help="write this to stderr at start")
    parser.add_argument("--exit", type=int, default=None, help="exit at once with this code")
    args = parser.parse_args()
    if args.stderr:
        sys.stderr.write(args.stderr + "\n")
        sys.stderr.flush()
    if args.exit is not None:
        sys.exit(args.exit)
    if args.http is not None:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
    else:
        server.run()


if __name__ == "__main__":
    main()
