import anyio
import uvicorn

from vibe.core import server


def test_the_heap_is_frozen_once_the_app_has_started(monkeypatch) -> None:
    """After the lifespan's start-up (what the app keeps for good exists by then), before the
    first request; the real freeze is left out so this test process's heap stays collectable."""
    events: list[str] = []
    monkeypatch.setattr(server.gc, "collect", lambda: events.append("collect"))
    monkeypatch.setattr(server.gc, "freeze", lambda: events.append("freeze"))

    async def app(scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                events.append("app started")
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})

    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="on", log_level="warning")
    frozen = server.FrozenAfterStartup(config)

    async def serve_until_started() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(frozen.serve)
            with anyio.fail_after(30):
                while not frozen.started:
                    await anyio.sleep(0.01)
            frozen.should_exit = True

    anyio.run(serve_until_started)
    assert events == ["app started", "collect", "freeze"]
