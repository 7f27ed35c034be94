"""The process's HTTP server: uvicorn's, with the started app's heap kept out of collections."""

from __future__ import annotations

import gc
import socket

import uvicorn


class FrozenAfterStartup(uvicorn.Server):
    """Uvicorn's server, which moves everything alive once the app has started (modules, the
    evaluated pages, the build's leftovers, the started services) out of the cyclic collector's
    reach, as Reflex does before it forks workers. Left in, that heap was walked by every full
    collection: pauses of 110-200 ms, during which every request in flight waited (seen in the
    MCP gateway's p99 at concurrency 16, ``bench/mcp_gateway.py``). What the app allocates later
    is collected as before."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        gc.collect()
        gc.freeze()
