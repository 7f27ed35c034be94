"""GitHub and Hugging Face sign-in through authlib's Starlette client.

authlib keeps ``state`` and the PKCE verifier in ``request.session`` (a signed cookie set by
Starlette's SessionMiddleware, scoped to the auth routes), so the callback can prove it belongs
to the browser that started the flow. Clients are built from the settings and cached per
configuration, so a changed setting (or a test's stand-in URL) gets a fresh client.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App

from vibe.auth.service import ProviderProfile
from vibe.core.config import Settings, get_settings
from vibe.core.errors import NotFound
from vibe.core.security import secret_key

GITHUB = "github"
HUGGINGFACE = "huggingface"
PROVIDERS = (GITHUB, HUGGINGFACE)
LABELS = {GITHUB: "GitHub", HUGGINGFACE: "Hugging Face"}
OAUTH_COOKIE = "vibe_oauth"
AUTH_PATH = "/api/v1/auth"
HTTP_TIMEOUT = 15.0
DEFAULT_NEXT = "/projects"


class ProfileError(Exception):
    """The provider answered, but not with a usable account."""


def session_middleware_options() -> dict[str, Any]:
    """SessionMiddleware settings: a short-lived cookie sent only to the auth routes."""
    return {
        "secret_key": secret_key(),
        "session_cookie": OAUTH_COOKIE,
        "max_age": 15 * 60,
        "path": AUTH_PATH,
        "same_site": "lax",
        "https_only": get_settings().secure_cookies,
    }


def enabled(provider: str, settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    if provider == GITHUB:
        return settings.github_enabled
    if provider == HUGGINGFACE:
        return settings.hf_enabled
    return False


def redirect_uri(provider: str) -> str:
    """The callback URL registered with the provider: always on the public URL."""
    return f"{get_settings().public_url.rstrip('/')}{AUTH_PATH}/callback/{provider}"


def safe_next(value: str | None) -> str:
    """A local path to go to after sign-in; anything that could leave the site is dropped."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return DEFAULT_NEXT
    if any(c in value for c in "\\\r\n\t") or any(ord(c) < 32 for c in value):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return value


def client(provider: str) -> StarletteOAuth2App:
    """The authlib client for ``provider``; NotFound when that sign-in is not configured."""
    settings = get_settings()
    if provider not in PROVIDERS or not enabled(provider, settings):
        raise NotFound(f"sign-in with {LABELS.get(provider, provider)} is not configured")
    if provider == GITHUB:
        return _github_client(
            settings.github_client_id,
            settings.github_client_secret,
            settings.github_authorize_url,
            settings.github_token_url,
            settings.github_api_url.rstrip("/") + "/",
            settings.github_scopes,
        )
    return _hf_client(
        settings.hf_client_id,
        settings.hf_client_secret,
        settings.hf_metadata_url,
        settings.hf_scopes,
    )


def _client_kwargs(scope: str) -> dict[str, Any]:
    return {"scope": scope, "code_challenge_method": "S256", "timeout": HTTP_TIMEOUT}


@functools.lru_cache(maxsize=8)
def _github_client(
    cid: str, secret: str, authorize: str, token: str, api: str, scope: str
) -> StarletteOAuth2App:
    oauth = OAuth()
    return oauth.register(
        GITHUB,
        client_id=cid,
        client_secret=secret,
        authorize_url=authorize,
        access_token_url=token,
        api_base_url=api,
        client_kwargs=_client_kwargs(scope),
    )


@functools.lru_cache(maxsize=8)
def _hf_client(cid: str, secret: str, metadata: str, scope: str) -> StarletteOAuth2App:
    oauth = OAuth()
    return oauth.register(
        HUGGINGFACE,
        client_id=cid,
        client_secret=secret,
        server_metadata_url=metadata,
        client_kwargs=_client_kwargs(scope),
    )


async def fetch_profile(provider: str, token: dict[str, Any]) -> ProviderProfile:
    """Who signed in, read from the provider's API with the fresh access token."""
    app = client(provider)
    if provider == GITHUB:
        return await _github_profile(app, token)
    return await _hf_profile(app, token)


async def _github_profile(app: StarletteOAuth2App, token: dict[str, Any]) -> ProviderProfile:
    resp = await app.get("user", token=token)
    if resp.status_code != 200:
        raise ProfileError(f"GitHub answered {resp.status_code} for the user profile")
    user = resp.json()
    email = user.get("email") or ""
    if not email:
        emails = await app.get("user/emails", token=token)
        if emails.status_code == 200:
            email = _primary_email(emails.json())
    if not user.get("id") or not user.get("login"):
        raise ProfileError("GitHub returned a profile without id or login")
    return ProviderProfile(
        provider=GITHUB,
        subject=str(user["id"]),
        login=str(user["login"]),
        name=user.get("name") or "",
        email=email,
        avatar_url=user.get("avatar_url") or "",
        scopes=" ".join(str(token.get("scope", "")).replace(",", " ").split()),
        access_token=str(token.get("access_token", "")),
        refresh_token=str(token.get("refresh_token") or ""),
        expires_at=_expiry(token),
    )


def _primary_email(rows: Any) -> str:
    if not isinstance(rows, list):
        return ""
    verified = [r for r in rows if isinstance(r, dict) and r.get("verified")]
    for row in verified:
        if row.get("primary"):
            return str(row.get("email") or "")
    return str(verified[0].get("email") or "") if verified else ""


async def _hf_profile(app: StarletteOAuth2App, token: dict[str, Any]) -> ProviderProfile:
    info = await app.userinfo(token=token)
    if not info.get("sub"):
        raise ProfileError("Hugging Face returned a profile without a subject")
    return ProviderProfile(
        provider=HUGGINGFACE,
        subject=str(info["sub"]),
        login=str(info.get("preferred_username") or info["sub"]),
        name=info.get("name") or "",
        email=info.get("email") or "",
        avatar_url=info.get("picture") or "",
        scopes=str(token.get("scope", "")),
        access_token=str(token.get("access_token", "")),
        refresh_token=str(token.get("refresh_token") or ""),
        expires_at=_expiry(token),
    )


def _expiry(token: dict[str, Any]) -> datetime | None:
    expires_at = token.get("expires_at")
    if not expires_at:
        return None
    return datetime.fromtimestamp(int(expires_at), UTC)
