"""The real openai and anthropic SDKs against the stand-ins: streaming, usage, clear errors."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.standins.openai_compat import Reply
from vibe.assistant import clients
from vibe.assistant.clients import ProviderConfig, ProviderError, Usage

KINDS = ["openai_compatible", "anthropic"]


@pytest.fixture(params=KINDS)
def standin(request):
    name = "openai_server" if request.param == "openai_compatible" else "anthropic_server"
    return request.param, request.getfixturevalue(name)


def config(kind: str, standin, *, key: str | None = None, timeout: float = 5.0) -> ProviderConfig:
    api_key = standin.script.api_key if key is None else key
    return ProviderConfig(1, "primary", kind, standin.url, api_key, "standin-small", timeout, 256)


def run(cfg: ProviderConfig) -> list:
    async def _go() -> list:
        items: list = []
        try:
            stream = clients.stream_reply(
                cfg,
                system="be brief",
                messages=[{"role": "user", "content": "hi"}],
                model=cfg.default_model,
            )
            async for item in stream:
                items.append(item)
        except ProviderError as exc:
            items.append(exc)
        return items

    return asyncio.run(_go())


def test_streams_text_deltas_then_usage(standin):
    kind, server = standin
    server.script.add(Reply(text="Hello, streaming world!", prompt_tokens=42))
    items = run(config(kind, server))
    assert "".join(i for i in items if isinstance(i, str)) == "Hello, streaming world!"
    assert len([i for i in items if isinstance(i, str)]) == 3
    assert items[-1] == Usage(prompt_tokens=42, completion_tokens=3)
    sent = server.script.requests[-1]
    assert sent["model"] == "standin-small" and sent["stream"] is True
    if kind == "anthropic":
        assert sent["system"] == "be brief" and sent["max_tokens"] == 256
    else:
        assert sent["messages"][0] == {"role": "system", "content": "be brief"}
        assert sent["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("401", "authentication failed (401): check the API key"),
        ("500", "the provider answered with an error (500)"),
        ("malformed", "the provider sent a malformed response"),
    ],
)
def test_failures_become_clear_messages(standin, mode, expected):
    kind, server = standin
    server.script.add(Reply(mode=mode, text="abcdefghijklmnopqrstuvwxyz"))
    error = run(config(kind, server))[-1]
    assert isinstance(error, ProviderError) and expected in error.message
    assert server.script.api_key not in error.message


def test_wrong_key_is_an_authentication_error(standin):
    kind, server = standin
    (error,) = run(config(kind, server, key="wrong"))
    assert "authentication failed (401)" in error.message


@pytest.mark.parametrize("mode", ["hang", "hang_mid"])
def test_a_silent_server_times_out(standin, mode):
    kind, server = standin
    server.script.add(Reply(mode=mode))
    started = time.monotonic()
    error = run(config(kind, server, timeout=0.3))[-1]
    assert isinstance(error, ProviderError) and "no answer within 0.3 s (timeout)" in error.message
    assert time.monotonic() - started < 3


def test_unreachable_server_says_so():
    cfg = ProviderConfig(1, "local", "openai_compatible", "http://127.0.0.1:9/v1", "", "m", 2, 1)
    (error,) = run(cfg)
    assert error.message == "cannot connect to http://127.0.0.1:9/v1: is the server running?"


def test_lists_models(standin):
    kind, server = standin
    assert asyncio.run(clients.list_models(config(kind, server))) == [
        "standin-large",
        "standin-small",
    ]
    with pytest.raises(ProviderError, match="authentication failed"):
        asyncio.run(clients.list_models(config(kind, server, key="nope")))
