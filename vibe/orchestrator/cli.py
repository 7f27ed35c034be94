"""`vibe mcp ...`: the registry, routing and the gateway from a terminal.

Commands act as a Vibe user (``--as``, default: the first administrator). ``tools``, ``call``
and ``route`` start the user's servers in this process for the duration of the command.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import click
from sqlmodel import Session, col, select

from vibe.auth.models import User
from vibe.core.config import get_settings
from vibe.core.db import session_scope
from vibe.core.errors import VibeError
from vibe.orchestrator import registry
from vibe.orchestrator.schemas import ServerIn

T = TypeVar("T")
PROGRESS_EVERY = 0.1


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


def _user(session: Session, username: str | None) -> User:
    query = select(User)
    if username:
        query = query.where(User.username == username)
    else:
        query = query.where(User.is_admin == True).order_by(col(User.id))  # noqa: E712
    user = session.exec(query).first()
    if user is None:
        _fail(f"no user {username!r}" if username else "no administrator yet: sign in once first")
    assert user is not None
    return user


def _run(username: str | None, work: Callable[[User, Session], T]) -> T:
    try:
        with session_scope() as session:
            return work(_user(session, username), session)
    except VibeError as exc:
        _fail(exc.message)
        raise


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            _fail(f"{what} must look like KEY=VALUE, got {value!r}")
        pairs[key] = val
    return pairs


as_option = click.option(
    "--as", "username", default=None, help="Act as this user (default: admin)."
)
project_option = click.option("--project", "project_id", type=int, default=None, help="Project id.")


@click.group("mcp")
def mcp_cli() -> None:
    """MCP servers: registry, routing and the aggregated gateway."""


@mcp_cli.command("list")
@as_option
@project_option
def list_cmd(username: str | None, project_id: int | None) -> None:
    """List the MCP servers you can see."""
    rows = _run(
        username,
        lambda u, s: [
            (r.id, r.name, r.scope, r.transport, r.enabled, ",".join(r.tags))
            for r in registry.list_servers(u, session=s, project_id=project_id)
        ],
    )
    for server_id, name, scope, transport, enabled, tags in rows:
        state = "enabled" if enabled else "disabled"
        click.echo(f"{server_id:>4}  {name:<24} {scope:<8} {transport:<16} {state:<9} {tags}")


@mcp_cli.command("add")
@click.argument("name")
@click.option("--command", "command", default="", help="Executable of a stdio server.")
@click.option("--arg", "args", multiple=True, help="Argument (repeat).")
@click.option("--url", default="", help="URL of an HTTP/SSE server.")
@click.option("--transport", type=click.Choice(["stdio", "streamable_http", "sse"]), default=None)
@click.option("--env", multiple=True, help="KEY=VALUE environment variable (repeat).")
@click.option("--secret-env", multiple=True, help="KEY=VALUE stored encrypted (repeat).")
@click.option("--header", multiple=True, help="KEY=VALUE HTTP header, stored encrypted.")
@click.option("--tag", "tags", multiple=True, help="Capability tag (repeat).")
@click.option("--priority", type=int, default=0)
@click.option("--timeout", "timeout_seconds", type=float, default=60.0)
@project_option
@as_option
def add_cmd(
    name: str,
    command: str,
    args: tuple[str, ...],
    url: str,
    transport: str | None,
    env: tuple[str, ...],
    secret_env: tuple[str, ...],
    header: tuple[str, ...],
    tags: tuple[str, ...],
    priority: int,
    timeout_seconds: float,
    project_id: int | None,
    username: str | None,
) -> None:
    """Add a server (a stdio COMMAND or a URL)."""
    try:
        data = ServerIn(
            name=name,
            command=command,
            args=list(args),
            url=url,
            transport=transport or ("stdio" if command else "streamable_http"),  # type: ignore[arg-type]
            env=_pairs(env, "--env"),
            secret_env=_pairs(secret_env, "--secret-env"),
            headers=_pairs(header, "--header"),
            tags=list(tags),
            priority=priority,
            timeout_seconds=timeout_seconds,
            scope="project" if project_id else "global",
            project_id=project_id,
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    server_id = _run(username, lambda u, s: registry.create_server(u, data, session=s).id)
    click.echo(f"added {name} (id {server_id})")


@mcp_cli.command("remove")
@click.argument("server")
@as_option
def remove_cmd(server: str, username: str | None) -> None:
    """Remove a server by id or name."""

    def work(user: User, session: Session) -> str:
        row = _find(user, session, server)
        registry.delete_server(user, int(row.id or 0), session=session)
        return row.name

    click.echo(f"removed {_run(username, work)}")


def _find(user: User, session: Session, ref: str) -> Any:
    if ref.isdigit():
        return registry.get_server(user, int(ref), session=session)
    for row in registry.list_servers(user, session=session):
        if row.name == ref:
            return row
    raise VibeError(f"no MCP server named {ref!r}")


@mcp_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@project_option
@as_option
def import_cmd(file: Path, project_id: int | None, username: str | None) -> None:
    """Import a Claude Desktop / Cursor / VS Code config file."""
    scope = "project" if project_id else "global"
    names = _run(
        username,
        lambda u, s: [
            r.name
            for r in registry.import_servers(
                u, file.read_text(), session=s, scope=scope, project_id=project_id
            )
        ],
    )
    click.echo(f"imported {len(names)}: {', '.join(names)}")


@mcp_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["mcpServers", "vscode"]), default="mcpServers")
@project_option
@as_option
def export_cmd(fmt: str, project_id: int | None, username: str | None) -> None:
    """Print the servers as a client config file (secrets as ${secret:NAME})."""
    document = _run(
        username, lambda u, s: registry.export_servers(u, session=s, fmt=fmt, project_id=project_id)
    )  # type: ignore[arg-type]
    click.echo(json.dumps(document, indent=2))


def _live(username: str | None, work: Callable[[Any, int], Awaitable[T]]) -> T:
    """Start the user's servers in this process, run ``work`` and stop them all."""
    from vibe.orchestrator.service import Orchestrator, new_supervisor

    user_id, specs = _run(
        username,
        lambda u, s: (
            int(u.id or 0),
            [registry.to_spec(r) for r in registry.list_servers(u, session=s) if r.enabled],
        ),
    )

    async def main() -> T:
        async with new_supervisor() as sup:
            orch = Orchestrator(sup)
            await sup.sync(specs)
            await _start_with_progress(sup, get_settings().mcp_start_timeout_seconds)
            try:
                return await work(orch, user_id)
            finally:
                await orch.flush_audit()

    return anyio.run(main)


async def _start_with_progress(sup: Any, timeout: float) -> None:
    """Wait for the servers to start, telling on stderr which is up or failed as it happens:
    some take seconds (semgrep, npm packages), and stdout stays the command's answer."""
    total = len(sup.runtimes)
    if not total:
        return
    click.echo(f"Starting {total} MCP server{'s' * (total != 1)} (Ctrl+C stops)…", err=True)
    started, told = time.monotonic(), set()

    def tell() -> None:
        for runtime in sup.runtimes.values():
            if runtime.spec.id in told or runtime.status not in ("ready", "failed"):
                continue
            told.add(runtime.spec.id)
            detail = f": {runtime.error}" if runtime.status == "failed" else ""
            took = time.monotonic() - started
            click.echo(
                f"  {runtime.status:<6} {runtime.spec.name} ({took:.1f} s){detail}", err=True
            )

    async with anyio.create_task_group() as tg:

        async def follow() -> None:
            while True:
                tell()
                await anyio.sleep(PROGRESS_EVERY)

        tg.start_soon(follow)
        await sup.wait_ready(timeout=timeout)
        tg.cancel_scope.cancel()
    tell()
    waiting = sorted(r.spec.name for r in sup.runtimes.values() if r.spec.id not in told)
    if waiting:
        click.echo(f"  still starting after {timeout:g} s: {', '.join(waiting)}", err=True)


@mcp_cli.command("tools")
@as_option
def tools_cmd(username: str | None) -> None:
    """List the namespaced tools of your servers (starts them)."""

    async def work(orch: Any, user_id: int) -> list[tuple[str, str]]:
        catalog = await orch.catalog(user_id)
        return [(name, tool.description or "") for name, (_, tool) in sorted(catalog.tools.items())]

    for name, description in _live(username, work):
        click.echo(f"{name:<52} {description.splitlines()[0] if description else ''}")


@mcp_cli.command("call")
@click.argument("tool")
@click.option("--args", "arguments", default="{}", help="Arguments as a JSON object.")
@as_option
def call_cmd(tool: str, arguments: str, username: str | None) -> None:
    """Call a namespaced tool and print its result."""
    from vibe.orchestrator.service import Principal

    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError as exc:
        _fail(f"--args is not JSON: {exc.msg}")
        return

    async def work(orch: Any, user_id: int) -> Any:
        return await orch.call_tool(Principal(user_id), tool, parsed)

    result = _live(username, work)
    click.echo(
        json.dumps(result.model_dump(mode="json", by_alias=True, exclude_none=True), indent=2)
    )
    if result.is_error:
        sys.exit(1)


@mcp_cli.command("route")
@click.argument("capability")
@project_option
@click.option("--tool", default=None, help="The tool the request needs.")
@as_option
def route_cmd(
    capability: str, project_id: int | None, tool: str | None, username: str | None
) -> None:
    """Explain which server serves CAPABILITY and why the others do not."""

    async def work(orch: Any, user_id: int) -> dict[str, Any]:
        await orch.sup.check_all()
        return await orch.explain(user_id, capability, project_id=project_id, tool=tool)

    decision = _live(username, work)
    chosen = decision["chosen"]
    click.echo(f"{capability}: {chosen['name'] if chosen else 'no eligible server'}")
    for candidate in decision["candidates"]:
        click.echo(
            f"  {candidate['verdict']:<8} {candidate['server']}: {'; '.join(candidate['reasons'])}"
        )


@mcp_cli.command("serve")
@click.option("--stdio", is_flag=True, required=True, help="Speak MCP over stdin/stdout.")
@click.option("--token", default=None, help="Vibe API token (default: VIBE_MCP_TOKEN).")
def serve_cmd(stdio: bool, token: str | None) -> None:
    """Serve the aggregated gateway to a desktop client (Claude Desktop, Cursor)."""
    from vibe.orchestrator.gateway import serve_stdio

    token = token or get_settings().mcp_token
    if not token:
        _fail("give --token or set VIBE_MCP_TOKEN to a Vibe API token")
        return
    try:
        anyio.run(serve_stdio, token)
    except VibeError as exc:
        _fail(exc.message)
