"""Talking to LLM endpoints through their official SDKs: streamed replies and model lists.

OpenAI-compatible servers (OpenAI, Ollama, vLLM, the Hugging Face router, OpenRouter) go through
the ``openai`` SDK with their ``base_url``; Anthropic through the ``anthropic`` SDK. Both are
created per call with ``max_retries=0``: the chat service does its own fallback to the next
provider, and SDK retries would multiply the user's wait by three. ``timeout_seconds`` bounds
connecting and each read, so a server that stops sending mid-answer fails as well.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from vibe.assistant.models import ProviderKind

NO_KEY = "not-needed"  # local servers (Ollama, vLLM) ignore the key but the SDKs want one
DEFAULT_BASE_URLS = {
    ProviderKind.openai_compatible.value: "https://api.openai.com/v1",
    ProviderKind.anthropic.value: "https://api.anthropic.com",
}


@dataclass(frozen=True)
class ProviderConfig:
    """Everything needed to call one provider, with its API key in clear (never stored so)."""

    id: int | None
    name: str
    kind: str
    base_url: str
    api_key: str
    default_model: str
    timeout_seconds: float
    max_output_tokens: int


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


class ProviderError(Exception):
    """A provider call failed; ``message`` says what to check, without the API key."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message


def stream_reply(
    config: ProviderConfig, *, system: str, messages: list[dict[str, str]], model: str
) -> AsyncIterator[str | Usage]:
    """Text deltas as they arrive, then one Usage if the provider reported it."""
    if config.kind == ProviderKind.anthropic.value:
        return _guarded(config, _anthropic_stream(config, system, messages, model))
    return _guarded(config, _openai_stream(config, system, messages, model))


async def list_models(config: ProviderConfig) -> list[str]:
    """The model ids the endpoint offers, sorted."""
    try:
        if config.kind == ProviderKind.anthropic.value:
            client: Any = _anthropic_client(config)
        else:
            client = _openai_client(config)
        async with client:
            return sorted([m.id async for m in client.models.list()])
    except Exception as exc:
        raise ProviderError(config.name, describe(exc, config)) from exc


async def _guarded(
    config: ProviderConfig, inner: AsyncIterator[str | Usage]
) -> AsyncIterator[str | Usage]:
    try:
        async for item in inner:
            yield item
    except ProviderError:
        raise
    except Exception as exc:
        raise ProviderError(config.name, describe(exc, config)) from exc


# -- OpenAI-compatible ----------------------------------------------------------------------------
def _openai_client(config: ProviderConfig) -> Any:
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=config.api_key or NO_KEY,
        base_url=config.base_url or DEFAULT_BASE_URLS[config.kind],
        timeout=config.timeout_seconds,
        max_retries=0,
    )


async def _openai_stream(
    config: ProviderConfig, system: str, messages: list[dict[str, str]], model: str
) -> AsyncIterator[str | Usage]:
    async with _openai_client(config) as client:
        stream = await client.chat.completions.create(
            model=model,
            messages=[{"role": "system", "content": system}, *messages],
            stream=True,
            stream_options={"include_usage": True},
        )
        async with stream:
            async for chunk in stream:
                for choice in chunk.choices or ():
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content
                if chunk.usage is not None:
                    yield Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)


# -- Anthropic ------------------------------------------------------------------------------------
def _anthropic_client(config: ProviderConfig) -> Any:
    from anthropic import AsyncAnthropic

    return AsyncAnthropic(
        api_key=config.api_key or NO_KEY,
        base_url=config.base_url or DEFAULT_BASE_URLS[config.kind],
        timeout=config.timeout_seconds,
        max_retries=0,
    )


async def _anthropic_stream(
    config: ProviderConfig, system: str, messages: list[dict[str, str]], model: str
) -> AsyncIterator[str | Usage]:
    prompt = completion = 0
    reported = False
    async with _anthropic_client(config) as client:
        stream = await client.messages.create(
            model=model,
            max_tokens=config.max_output_tokens,
            system=system,
            messages=messages,
            stream=True,
        )
        async with stream:
            async for event in stream:
                if event.type == "message_start" and event.message.usage is not None:
                    prompt = event.message.usage.input_tokens or 0
                    completion = event.message.usage.output_tokens or 0
                    reported = True
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    yield event.delta.text
                elif event.type == "message_delta" and event.usage is not None:
                    completion = event.usage.output_tokens or completion
                    reported = True
    if reported:
        yield Usage(prompt, completion)


# -- errors ---------------------------------------------------------------------------------------
def describe(exc: BaseException, config: ProviderConfig) -> str:
    """A sentence about what went wrong and what to check; never includes the API key."""
    status = getattr(exc, "status_code", None)
    names = {cls.__name__ for cls in type(exc).__mro__}
    if status in (401, 403):
        return f"authentication failed ({status}): check the API key"
    if status == 404:
        return f"not found (404): check the base URL {_url(config)} and the model name"
    if status == 429:
        return "rate limited (429): wait a moment or use another provider"
    if isinstance(status, int):
        return f"the provider answered with an error ({status}): {_detail(exc)}"
    if any("Timeout" in n for n in names) or isinstance(exc, TimeoutError):
        return f"no answer within {config.timeout_seconds:g} s (timeout)"
    if "APIConnectionError" in names or "ConnectError" in names:
        return f"cannot connect to {_url(config)}: is the server running?"
    if isinstance(exc, json.JSONDecodeError | ValueError | KeyError | AttributeError | TypeError):
        return f"the provider sent a malformed response ({type(exc).__name__}: {_detail(exc)})"
    return f"the call failed ({type(exc).__name__}: {_detail(exc)})"


def _url(config: ProviderConfig) -> str:
    return config.base_url or DEFAULT_BASE_URLS[config.kind]


def _detail(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__)[:300]
