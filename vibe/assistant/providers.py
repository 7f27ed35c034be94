"""A user's LLM providers: create, change, list, delete, and the fallback order chat uses.

API keys are encrypted with ``vibe.core.security.encrypt`` before they reach the database and
only decrypted into a ``ProviderConfig`` right before a call. Providers are personal: another
user's provider is reported as missing.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from vibe.assistant import clients
from vibe.assistant.clients import ProviderConfig, ProviderError
from vibe.assistant.models import AssistantProvider, ProviderKind
from vibe.assistant.schemas import ConnectionReport, ProviderCreate, ProviderPublic, ProviderUpdate
from vibe.auth.models import User
from vibe.core.config import get_settings
from vibe.core.db import utcnow
from vibe.core.errors import Conflict, NotFound, ValidationFailed, VibeError
from vibe.core.security import decrypt, encrypt

OLLAMA_URL = "http://127.0.0.1:11434/v1"
NO_PROVIDER_MESSAGE = (
    "No AI provider is set up yet. Add one under Settings → AI providers (or POST "
    "/api/v1/assistant/providers): any OpenAI-compatible endpoint (OpenAI, OpenRouter, the "
    "Hugging Face router, vLLM) or Anthropic, with its base URL, API key and model. For a local "
    f"model with no key, run Ollama and add kind 'openai_compatible', base URL {OLLAMA_URL}, "
    "model e.g. 'qwen2.5-coder:7b'."
)


class NoProviderConfigured(VibeError):
    status = 409
    code = "no_provider"


def list_providers(user: User, *, session: Session) -> list[AssistantProvider]:
    """The user's providers in fallback order (priority, then creation)."""
    return list(
        session.exec(
            select(AssistantProvider)
            .where(AssistantProvider.user_id == user.id)
            .order_by(col(AssistantProvider.priority), col(AssistantProvider.id))
        ).all()
    )


def get_provider(user: User, provider_id: int, *, session: Session) -> AssistantProvider:
    provider = session.get(AssistantProvider, provider_id)
    if provider is None or provider.user_id != user.id:
        raise NotFound("AI provider not found")
    return provider


def create_provider(user: User, data: ProviderCreate, *, session: Session) -> AssistantProvider:
    """A new provider for ``user``; the key is stored encrypted."""
    values = data.model_dump(exclude={"api_key"})
    values["name"] = _clean_name(data.name)
    values["kind"] = data.kind.value
    values["base_url"] = _clean_url(data.base_url, data.kind.value, user)
    provider = AssistantProvider(user_id=user.id, **values)  # type: ignore[arg-type]
    provider.api_key_enc = encrypt(data.api_key) if data.api_key else ""
    return _save(provider, session)


def update_provider(
    user: User, provider_id: int, data: ProviderUpdate, *, session: Session
) -> AssistantProvider:
    """Change the fields sent; an omitted ``api_key`` keeps the stored one, "" removes it."""
    provider = get_provider(user, provider_id, session=session)
    changes = data.model_dump(exclude_unset=True, exclude={"api_key"})
    for key, value in changes.items():
        if value is not None:
            setattr(provider, key, value.value if isinstance(value, ProviderKind) else value)
    provider.name = _clean_name(provider.name)
    if data.base_url is not None or data.kind is not None:
        provider.base_url = _clean_url(data.base_url or "", provider.kind, user)
    if data.api_key is not None:
        provider.api_key_enc = encrypt(data.api_key) if data.api_key else ""
    provider.updated_at = utcnow()
    return _save(provider, session)


def delete_provider(user: User, provider_id: int, *, session: Session) -> None:
    session.delete(get_provider(user, provider_id, session=session))
    session.flush()


def public(provider: AssistantProvider) -> ProviderPublic:
    key = _key_of(provider)
    return ProviderPublic(
        **provider.model_dump(exclude={"api_key_enc", "user_id"}),
        has_api_key=bool(key),
        api_key_hint=f"…{key[-4:]}" if len(key) >= 12 else ("set" if key else ""),
    )


def config_of(provider: AssistantProvider) -> ProviderConfig:
    """What a call needs, with the key decrypted."""
    return ProviderConfig(
        id=provider.id,
        name=provider.name,
        kind=provider.kind,
        base_url=provider.base_url,
        api_key=_key_of(provider),
        default_model=provider.default_model,
        timeout_seconds=provider.timeout_seconds,
        max_output_tokens=provider.max_output_tokens,
    )


def fallback_configs(
    user: User, *, session: Session, prefer: int | None = None
) -> list[ProviderConfig]:
    """Enabled providers in the order chat tries them; ``prefer`` (a provider id) goes first.

    No enabled provider: NoProviderConfigured, with a message saying how to add one.
    """
    if prefer is not None:
        get_provider(user, prefer, session=session)
    enabled = [p for p in list_providers(user, session=session) if p.enabled]
    enabled.sort(key=lambda p: p.id != prefer)
    if not enabled:
        raise NoProviderConfigured(NO_PROVIDER_MESSAGE)
    return [config_of(p) for p in enabled]


async def available_models(config: ProviderConfig) -> list[str]:
    """The models the provider lists (ProviderError with a clear message when it fails)."""
    return await clients.list_models(config)


async def test_connection(config: ProviderConfig) -> ConnectionReport:
    """Reach the provider by listing its models; says whether the default model is offered."""
    started = time.perf_counter()
    try:
        models = await clients.list_models(config)
    except ProviderError as exc:
        return ConnectionReport(ok=False, message=exc.message)
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    if config.default_model and models and config.default_model not in models:
        note = f"connected, but the model '{config.default_model}' is not in its list"
    else:
        note = f"connected: {len(models)} model(s) available"
    return ConnectionReport(ok=True, message=note, models=models, latency_ms=elapsed)


def _save(provider: AssistantProvider, session: Session) -> AssistantProvider:
    session.add(provider)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"you already have a provider named '{provider.name}'") from None
    return provider


def _key_of(provider: AssistantProvider) -> str:
    return decrypt(provider.api_key_enc) if provider.api_key_enc else ""


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or not name.isprintable():
        raise ValidationFailed("name: 1 to 60 printable characters")
    return name


def _clean_url(raw: str, kind: str, user: User) -> str:
    url = raw.strip().rstrip("/") or clients.DEFAULT_BASE_URLS[kind]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("base_url: must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValidationFailed("base_url: put the key in api_key, not in the URL")
    if not (user.is_admin or get_settings().assistant_allow_private_urls):
        for address in _addresses(parts.hostname):
            if not address.is_global:
                raise ValidationFailed(
                    f"base_url: {parts.hostname} is a private or loopback address; an "
                    "administrator can allow these with VIBE_ASSISTANT_ALLOW_PRIVATE_URLS"
                )
    return url


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise ValidationFailed(f"base_url: cannot resolve {host}") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
