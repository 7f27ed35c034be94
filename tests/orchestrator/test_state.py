"""The MCP page's state helpers: the server table's rows (latencies people can read, when the
page keeps watching) and the work a tab may stop."""

from __future__ import annotations

from types import SimpleNamespace

import anyio
import pytest

from vibe.orchestrator.registry import Rights
from vibe.orchestrator.state import Stoppable, server_row, settling


def _row(**fields):
    base = dict(
        id=1, name="echo", description="", scope="project", transport="stdio", url="",
        command="/usr/bin/python3", args=["echo.py"], enabled=True, read_only=False,
        confirm_mutations=False,
    )  # fmt: skip
    return SimpleNamespace(**{**base, **fields})


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ({"status": "ready", "latency_ema_ms": 0.42}, "0.4 ms"),
        ({"status": "ready", "latency_ema_ms": 9.96}, "10.0 ms"),
        ({"status": "ready", "latency_ema_ms": 23.4}, "23 ms"),
        ({"status": "ready"}, "–"),
    ],
)
def test_latency_is_shown_to_a_tenth_below_ten_milliseconds(status, shown):
    assert server_row(_row(), status)["latency"] == shown


def test_a_row_offers_its_controls_by_the_users_rights():
    def controls(rights):
        row = server_row(_row(), {"status": "ready"}, rights)
        return row["editable"], row["removable"]

    assert controls(Rights(change=True, remove=True)) == (True, True)
    assert controls(Rights(change=False, remove=True)) == (False, True)
    assert controls(None) == (False, False)


def test_the_page_watches_until_every_server_is_up_with_a_first_latency_or_failed():
    up = server_row(_row(), {"status": "ready", "latency_ema_ms": 1.5})
    unmeasured = server_row(_row(), {"status": "ready"})
    starting = server_row(_row(), {"status": "starting"})
    failed = server_row(_row(), {"status": "failed", "error": "command not found: x"})
    disabled = server_row(_row(enabled=False), {})
    assert not settling([up, failed, disabled])
    assert settling([up, unmeasured])
    assert settling([starting, failed])


def test_a_tab_stops_its_own_work_of_one_kind_only():
    running = Stoppable()
    ends: dict[str, str] = {}

    async def work(tab: str, kind: str) -> None:
        with running.running(tab, kind) as scope:
            await anyio.sleep(3600)
        ends[f"{tab}/{kind}"] = "stopped" if scope.cancelled_caught else "done"

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            for tab, kind in [("a", "test"), ("a", "call"), ("b", "test")]:
                tg.start_soon(work, tab, kind)
            await anyio.wait_all_tasks_blocked()
            assert running.stop("a", "test")
            assert not running.stop("a", "test"), "already stopped"
            assert not running.stop("c", "test"), "another tab has nothing running"
            await anyio.wait_all_tasks_blocked()
            assert ends == {"a/test": "stopped"}
            tg.cancel_scope.cancel()

    anyio.run(main)


def test_starting_again_stops_the_tabs_earlier_work_of_that_kind():
    running = Stoppable()
    stopped: list[bool] = []

    async def work() -> None:
        with running.running("a", "test") as scope:
            await anyio.sleep(3600)
        stopped.append(scope.cancelled_caught)

    async def main() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(work)
            await anyio.wait_all_tasks_blocked()
            tg.start_soon(work)
            await anyio.wait_all_tasks_blocked()
            assert stopped == [True]
            assert running.stop("a", "test")
        assert stopped == [True, True]

    anyio.run(main)
