"""The `workspace` MCP server: a project's files through the same checks as the editor.

Run as ``python -m vibe.orchestrator.servers.workspace`` (stdio) by the orchestrator. Reads need
the viewer role, writes the editor role; paths are resolved inside the project's workspace by
the file service, so ``..``, absolute paths and symlink escapes are refused as in the UI.
"""

from __future__ import annotations

import re
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from sqlmodel import Session

from vibe.auth.models import User
from vibe.orchestrator.servers.common import as_caller
from vibe.projects import service
from vibe.projects.models import Role
from vibe.projects.workspace import Workspace, open_workspace

NAME = "workspace"
MAX_SEARCH_RESULTS = 500
MAX_LINE_CHARS = 300
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)

server = MCPServer(
    NAME,
    version="1.0",
    instructions="Files of your Vibe projects. Name a project by its slug or id; "
    "read a file before writing it and pass its version as base_version.",
)


def _open(user: User, project: str, session: Session, need: Role) -> tuple[Workspace, Any]:
    access = service.get_project(user, project, session=session, need=need)
    return open_workspace(int(access.project.id or 0)), access


@server.tool(annotations=READ)
async def list_projects(ctx: Context) -> list[dict[str, Any]]:
    """The projects you can use here, with your role in each (viewer, editor or owner)."""

    def work(user: User, session: Session) -> list[dict[str, Any]]:
        return [
            {"slug": a.project.slug, "id": a.project.id, "name": a.project.name,
             "role": a.role.value}
            for a in service.list_projects(user, session=session)
        ]  # fmt: skip

    return await as_caller(NAME, ctx, work)


@server.tool(annotations=READ)
async def list_files(project: str, ctx: Context, path: str = "") -> dict[str, Any]:
    """Every file and folder under `path` (default: the whole project), without .git."""

    def work(user: User, session: Session) -> dict[str, Any]:
        ws, _ = _open(user, project, session, Role.viewer)
        listing = ws.tree(path)
        entries = [{"path": e.path, "kind": e.kind, "size": e.size} for e in listing.entries]
        return {"entries": entries, "truncated": listing.truncated}

    return await as_caller(NAME, ctx, work)


@server.tool(annotations=READ)
async def read_file(project: str, path: str, ctx: Context) -> dict[str, Any]:
    """A text file's content and its version (pass the version to write_file to change it)."""

    def work(user: User, session: Session) -> dict[str, Any]:
        ws, _ = _open(user, project, session, Role.viewer)
        found = ws.read(path)
        if found.text is None:
            raise ToolError(f"'{found.path}' is a binary file ({found.size:,} bytes)")
        return {"path": found.path, "version": found.version, "content": found.text}

    return await as_caller(NAME, ctx, work)


@server.tool(annotations=READ)
async def search(
    project: str,
    query: str,
    ctx: Context,
    path: str = "",
    regex: bool = False,
    case_sensitive: bool = False,
    limit: int = 100,
) -> dict[str, Any]:
    """Lines matching `query` (plain text, or a regular expression with regex=true) in the
    project's text files under `path`."""

    def work(user: User, session: Session) -> dict[str, Any]:
        ws, _ = _open(user, project, session, Role.viewer)
        pattern = _pattern(query, regex, case_sensitive)
        return search_files(ws, pattern, path, max(1, min(limit, MAX_SEARCH_RESULTS)))

    return await as_caller(NAME, ctx, work)


def _pattern(query: str, regex: bool, case_sensitive: bool) -> re.Pattern[str]:
    if not query:
        raise ToolError("query is empty")
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        return re.compile(query if regex else re.escape(query), flags)
    except re.error as exc:
        raise ToolError(f"query is not a valid regular expression: {exc}") from None


def search_files(ws: Workspace, pattern: re.Pattern[str], path: str, limit: int) -> dict:
    """Matches in text files, in tree order; files too large or binary are skipped."""
    matches: list[dict[str, Any]] = []
    for entry in ws.tree(path).entries:
        if entry.kind != "file":
            continue
        try:
            text = ws.read(entry.path).text
        except Exception:  # too large or vanished meanwhile: not searchable
            continue
        for number, line in enumerate((text or "").splitlines(), start=1):
            if pattern.search(line):
                if len(matches) >= limit:
                    return {"matches": matches, "truncated": True}
                matches.append({"path": entry.path, "line": number, "text": line[:MAX_LINE_CHARS]})
    return {"matches": matches, "truncated": False}


@server.tool(annotations=WRITE)
async def write_file(
    project: str,
    path: str,
    content: str,
    ctx: Context,
    base_version: str | None = None,
    message: str = "",
) -> dict[str, Any]:
    """Save a text file (editors and owners). Give the version read_file returned; leave
    base_version empty only to create a new file. A stale version saves nothing."""

    def work(user: User, session: Session) -> dict[str, Any]:
        ws, access = _open(user, project, session, Role.editor)
        saved = ws.write(
            path,
            content,
            base_version=base_version or None,
            author=service.author_for(user),
            message=message.strip() or f"Save {path} (MCP)",
        )
        service.touch_project(access.project, session=session)
        return {"path": saved.path, "version": saved.version, "commit": saved.commit}

    return await as_caller(NAME, ctx, work)


if __name__ == "__main__":
    server.run()
