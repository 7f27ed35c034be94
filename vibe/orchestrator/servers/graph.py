"""The `graph` MCP server: a project's code knowledge graph, as the explorer page sees it.

Run as ``python -m vibe.orchestrator.servers.graph`` (stdio) by the orchestrator. Every tool
needs the viewer role on the project and an index that was built at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations
from sqlmodel import Session

from vibe.auth.models import User
from vibe.graph import query, service
from vibe.orchestrator.servers.common import as_caller
from vibe.projects import service as projects

NAME = "graph"
READ = ToolAnnotations(read_only_hint=True, open_world_hint=False)

server = MCPServer(
    NAME,
    version="1.0",
    instructions="The code knowledge graph of your Vibe projects (modules, classes, "
    "functions, calls, imports). Find node ids with `search`, then explore from them.",
)


async def _on_graph(
    ctx: Context, project: str, work: Callable[[nx.MultiDiGraph, Any, Session], Any]
) -> Any:
    def run(user: User, session: Session) -> Any:
        project_id = int(projects.get_project(user, project, session=session).project.id or 0)
        row, g = service.ready_graph(user, project_id, session=session)
        return work(g, row, session)

    return await as_caller(NAME, ctx, run)


@server.tool(annotations=READ)
async def search(
    project: str, text: str, ctx: Context, kinds: list[str] | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Nodes by name, ranked exact > prefix > substring > fuzzy; a dotted text matches
    qualified names. `kinds` narrows to node kinds (module, class, function, method, ...)."""
    limit = max(1, min(limit, 200))
    return await _on_graph(ctx, project, lambda g, _r, _s: query.search(
        g, text, limit=limit, kinds=kinds))  # fmt: skip


@server.tool(annotations=READ)
async def node(project: str, node_id: str, ctx: Context) -> dict[str, Any]:
    """Everything stored about one node (signature, docstring, file, lines) and its edge counts."""
    return await _on_graph(
        ctx, project, lambda g, row, s: service.node_details(row, g, node_id, session=s)
    )


@server.tool(annotations=READ)
async def callers(
    project: str, node_id: str, ctx: Context, depth: int = 1, limit: int = 200
) -> dict[str, Any]:
    """Functions that call (or instantiate) this node, transitively up to `depth`."""
    return await _on_graph(
        ctx, project, lambda g, _r, _s: query.callers(g, node_id, depth=depth, limit=limit)
    )


@server.tool(annotations=READ)
async def callees(
    project: str, node_id: str, ctx: Context, depth: int = 1, limit: int = 200
) -> dict[str, Any]:
    """What this node calls (or instantiates), transitively up to `depth`."""
    return await _on_graph(
        ctx, project, lambda g, _r, _s: query.callees(g, node_id, depth=depth, limit=limit)
    )


@server.tool(annotations=READ)
async def path(
    project: str, source: str, target: str, ctx: Context, kinds: list[str] | None = None
) -> dict[str, Any]:
    """The shortest path between two nodes (directed if one exists), optionally over some
    edge kinds only (calls, imports, inherits, ...)."""
    return await _on_graph(
        ctx, project, lambda g, _r, _s: query.shortest_path(g, source, target, kinds=kinds)
    )


@server.tool(annotations=READ)
async def impact(
    project: str, node_id: str, ctx: Context, depth: int = 3, limit: int = 200
) -> dict[str, Any]:
    """What may break if this node changes: who calls, imports or inherits it, transitively."""
    return await _on_graph(
        ctx, project, lambda g, _r, _s: query.impact(g, node_id, depth=depth, limit=limit)
    )


@server.tool(annotations=READ)
async def overview(
    project: str,
    ctx: Context,
    level: str = "module",
    include_external: bool = False,
    limit: int = 200,
) -> dict[str, Any]:
    """Modules (level=module) or folders (level=package) with their sizes and the edges
    between them, by kind: the map to start from."""
    limit = max(1, min(limit, 2000))
    return await _on_graph(ctx, project, lambda g, _r, _s: query.overview(
        g, level=level, include_external=include_external, limit=limit))  # fmt: skip


if __name__ == "__main__":
    server.run()
