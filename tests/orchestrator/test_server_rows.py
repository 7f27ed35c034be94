"""The server table's rows: latencies people can read, and when the page keeps watching."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vibe.orchestrator.state import server_row, settling


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


def test_the_page_watches_until_every_server_is_up_with_a_first_latency_or_failed():
    up = server_row(_row(), {"status": "ready", "latency_ema_ms": 1.5})
    unmeasured = server_row(_row(), {"status": "ready"})
    starting = server_row(_row(), {"status": "starting"})
    failed = server_row(_row(), {"status": "failed", "error": "command not found: x"})
    disabled = server_row(_row(enabled=False), {})
    assert not settling([up, failed, disabled])
    assert settling([up, unmeasured])
    assert settling([starting, failed])
