"""Each server's routing flags, enforced on the call path: the orchestrator over a real supervisor,
the echo server as a real stdio child, and server rows created through the registry."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
import pytest

from tests.orchestrator.conftest import echo_command
from vibe.core import ratelimit
from vibe.orchestrator import registry
from vibe.orchestrator.catalog import CONFIRM_ARG
from vibe.orchestrator.schemas import ServerIn
from vibe.orchestrator.service import Orchestrator, Principal
from vibe.orchestrator.supervisor import Supervisor

Scenario = Callable[[Orchestrator, Principal], Awaitable[None]]


def _add(session: Any, owner: Any, **flags: Any) -> int:
    command, args = echo_command()
    row = registry.create_server(
        owner, ServerIn(name="echo", command=command, args=args, **flags), session=session
    )
    session.commit()
    return int(row.id or 0)


def _run(user: Any, scenario: Scenario, annotate: dict[str, types.ToolAnnotations] | None = None):
    """Start the registry's servers, optionally re-annotate the echo tools, run ``scenario``."""

    async def main() -> None:
        async with Supervisor(start_timeout=20) as sup:
            orch = Orchestrator(sup)
            await orch.reload()
            assert await sup.wait_ready(timeout=20)
            for runtime in sup.runtimes.values():
                runtime.tools = [
                    t.model_copy(update={"annotations": (annotate or {}).get(t.name)})
                    for t in runtime.tools
                ]
            await orch.reload()  # a new catalog generation with those annotations
            await scenario(orch, Principal(int(user.id)))

    anyio.run(main)


def _text(result: types.CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, types.TextContent))


def _listed(catalog: Any) -> set[str]:
    return set(catalog.entries)


READ = types.ToolAnnotations(read_only_hint=True)
READ_BUT_DESTRUCTIVE = types.ToolAnnotations(read_only_hint=True, destructive_hint=True)


def test_denied_tools_are_neither_listed_nor_callable(admin, session):
    _add(session, admin, denied_tools=["fail", "crash"])

    async def scenario(orch: Orchestrator, me: Principal) -> None:
        catalog = await orch.catalog(me.user_id)
        assert "echo__echo" in _listed(catalog)
        assert not {"echo__fail", "echo__crash"} & _listed(catalog)
        refused = await orch.call_tool(me, "echo__crash", {})
        assert refused.is_error and "not allowed" in _text(refused)

    _run(admin, scenario)


def test_an_allow_list_offers_only_its_tools_and_deny_wins(admin, session):
    _add(session, admin, allowed_tools=["echo", "slow"], denied_tools=["slow"])

    async def scenario(orch: Orchestrator, me: Principal) -> None:
        assert _listed(await orch.catalog(me.user_id)) == {"echo__echo"}
        assert _text(await orch.call_tool(me, "echo__echo", {"text": "ok"})) == "ok"
        assert (await orch.call_tool(me, "echo__slow", {"seconds": 0})).is_error

    _run(admin, scenario)


def test_read_only_offers_only_read_only_tools_that_are_not_destructive(admin, session):
    _add(session, admin, read_only=True)

    async def scenario(orch: Orchestrator, me: Principal) -> None:
        assert _listed(await orch.catalog(me.user_id)) == {"echo__echo"}
        assert _text(await orch.call_tool(me, "echo__echo", {"text": "read"})) == "read"
        for name, args in (("echo__slow", {"seconds": 0}), ("echo__fail", {})):
            refused = await orch.call_tool(me, name, args)
            assert refused.is_error and "read-only" in _text(refused)

    _run(admin, scenario, {"echo": READ, "slow": READ_BUT_DESTRUCTIVE})


def test_confirm_mutations_needs_the_confirmation_argument(admin, session):
    _add(session, admin, confirm_mutations=True)

    async def scenario(orch: Orchestrator, me: Principal) -> None:
        entries = (await orch.catalog(me.user_id)).entries
        mutating = entries["echo__fail"].public
        assert CONFIRM_ARG in (mutating.description or "")
        assert CONFIRM_ARG in mutating.input_schema["properties"]
        assert CONFIRM_ARG not in (entries["echo__echo"].public.description or "")

        unconfirmed = await orch.call_tool(me, "echo__fail", {"message": "x"})
        assert unconfirmed.is_error and f'"{CONFIRM_ARG}": true' in _text(unconfirmed)
        confirmed = await orch.call_tool(me, "echo__fail", {"message": "x", CONFIRM_ARG: True})
        assert confirmed.is_error and _text(confirmed) != _text(unconfirmed)  # it reached it
        # A read-only tool needs no confirmation, and the argument never reaches the server.
        assert _text(await orch.call_tool(me, "echo__echo", {"text": "free"})) == "free"
        both = await orch.call_tool(me, "echo__echo", {"text": "t", CONFIRM_ARG: True})
        assert not both.is_error and _text(both) == "t"

    _run(admin, scenario, {"echo": READ})


def test_rate_limit_is_per_user(admin, make_user, session, monkeypatch):
    ratelimit.reset()
    monkeypatch.setattr(ratelimit.time, "time", lambda: 6_000_030.0)  # one fixed window
    _add(session, admin, rate_limit_per_minute=2)
    bob = make_user("bob")

    async def scenario(orch: Orchestrator, me: Principal) -> None:
        for _ in range(2):
            assert not (await orch.call_tool(me, "echo__echo", {"text": "a"})).is_error
        limited = await orch.call_tool(me, "echo__echo", {"text": "a"})
        assert limited.is_error and "2 calls per minute" in _text(limited)
        other = await orch.call_tool(Principal(int(bob.id)), "echo__echo", {"text": "b"})
        assert not other.is_error, "another user has a budget of their own"

    try:
        _run(admin, scenario)
    finally:
        ratelimit.reset()


@pytest.mark.parametrize("limit", [1, 3])
def test_max_concurrency_caps_calls_in_flight(admin, session, limit):
    _add(session, admin, max_concurrency=limit)

    async def scenario(orch: Orchestrator, me: Principal) -> None:
        results: list[types.CallToolResult] = []

        async def call() -> None:
            results.append(await orch.call_tool(me, "echo__slow", {"seconds": 0.3}))

        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(call)
        assert len(results) == 6 and not any(r.is_error for r in results)
        (runtime,) = orch.sup.runtimes.values()
        assert runtime.peak_in_flight == limit
        assert runtime.in_flight == 0

    _run(admin, scenario)
