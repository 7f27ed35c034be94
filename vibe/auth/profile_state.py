"""State of the profile page: linked accounts, browser sessions, API tokens.

Rows are small dicts of display strings; ids travel as strings. A new token's clear value is
held only while the dialog that shows it is open, then forgotten.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from vibe.auth import oauth, service
from vibe.auth.models import ApiToken, Identity, LoginSession, User
from vibe.auth.state import SessionState, as_user
from vibe.core.db import utcnow
from vibe.core.errors import VibeError
from vibe.ui import routes

EXPIRY_CHOICES = ("30", "90", "365", "never")
PROVIDER_LABELS = {**oauth.LABELS, "local": "Local"}
LOGIN_URLS = {oauth.GITHUB: routes.LOGIN_GITHUB, oauth.HUGGINGFACE: routes.LOGIN_HF}

Rows = list[dict[str, str]]


def when(value: datetime | None, empty: str = "never") -> str:
    """Relative for the last month ('3 hours ago', 'in 5 days'), a date beyond."""
    if value is None:
        return empty
    seconds = int((value - utcnow()).total_seconds())
    ahead, seconds = seconds > 0, abs(seconds)
    if seconds >= 30 * 86400:
        return value.strftime("%d %b %Y")
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            text = f"{n} {unit}{'s' if n != 1 else ''}"
            return f"in {text}" if ahead else f"{text} ago"
    return "just now"


def device(user_agent: str) -> str:
    """'Firefox on Linux' from a user-agent string; good enough to tell sessions apart."""
    browsers = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
    browser = next((name for key, name in browsers if key in user_agent), "")
    if not browser and "Safari/" in user_agent:
        browser = "Safari"
    systems = (("Android", "Android"), ("iPhone", "iOS"), ("Windows", "Windows"))
    systems += (("Mac OS", "macOS"), ("Linux", "Linux"))
    system = next((name for key, name in systems if key in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (user_agent[:40] or "Unknown device")


def identity_row(row: Identity) -> dict[str, str]:
    return {
        "id": str(row.id),
        "provider": row.provider,
        "label": PROVIDER_LABELS.get(row.provider, row.provider),
        "login": row.login,
        "since": when(row.created_at),
    }


def session_row(row: LoginSession, current_id: int | None) -> dict[str, str]:
    return {
        "id": str(row.id),
        "device": device(row.user_agent),
        "ip": row.ip or "unknown address",
        "last_seen": when(row.last_seen_at),
        "created": when(row.created_at),
        "current": "1" if row.id == current_id else "",
    }


def token_row(row: ApiToken) -> dict[str, str]:
    return {
        "id": str(row.id),
        "name": row.name,
        "prefix": row.prefix + "…",
        "scopes": ", ".join(row.scopes.split()),
        "created": when(row.created_at),
        "last_used": when(row.last_used_at),
        "expires": when(row.expires_at),
    }


def _profile_rows(token: str, user: User, session: Session) -> tuple[str, Rows, Rows, Rows]:
    """The email, then the identity, session (this browser's marked) and token rows."""
    current = service.session_row(token, session=session)
    identities = [identity_row(i) for i in service.list_identities(user, session=session)]
    rows = service.list_sessions(user, session=session)
    sessions = [session_row(r, current.id if current else None) for r in rows]
    tokens = [token_row(t) for t in service.list_api_tokens(user, session=session)]
    return user.email, identities, sessions, tokens


class ProfileState(rx.State):
    email: str = ""
    identities: list[dict[str, str]] = []
    connect: list[dict[str, str]] = []  # configured providers not linked yet
    sessions: list[dict[str, str]] = []
    tokens: list[dict[str, str]] = []
    loading: bool = True

    dialog_open: bool = False
    creating: bool = False
    form_error: str = ""
    scopes: list[str] = ["read", "write"]
    expiry: str = "90"
    new_token: str = ""

    confirm_open: bool = False
    confirm_kind: str = ""  # token | session
    confirm_id: str = ""
    confirm_label: str = ""

    @rx.event
    async def load(self):
        """on_load: fill every section; an ``?error=`` from a failed link shows as a toast."""
        self.loading = True
        yield
        error = self.router.url.query_parameters.get("error", "")
        try:
            await self._reload(await self.get_state(SessionState))
        except VibeError as exc:
            if exc.status != 401:  # require_login is already redirecting
                yield rx.toast.error(exc.message)
        finally:
            self.loading = False
        if error:
            yield rx.toast.error(error[:300])

    async def _reload(self, auth: SessionState) -> None:
        token = auth._session_token() or ""
        profile = await as_user(auth, lambda u, s: _profile_rows(token, u, s))
        self.email, self.identities, self.sessions, self.tokens = profile
        linked = {i["provider"] for i in self.identities}
        self.connect = [
            {"provider": p, "label": oauth.LABELS[p], "url": self._link_url(p)}
            for p in oauth.PROVIDERS
            if p not in linked and oauth.enabled(p)
        ]

    @staticmethod
    def _link_url(provider: str) -> str:
        return f"{LOGIN_URLS[provider]}?{urlencode({'next': routes.PROFILE})}"

    # --- token dialog ---------------------------------------------------------------------------

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        """Closing the dialog forgets the clear token: it is shown once."""
        self.dialog_open = value
        self.form_error = ""
        self.new_token = ""
        if value:
            self.scopes, self.expiry = ["read", "write"], "90"

    @rx.event
    def toggle_scope(self, scope: str, checked: bool) -> None:
        rest = [s for s in self.scopes if s != scope]
        self.scopes = [*rest, scope] if checked else rest

    @rx.event
    def set_expiry(self, value: str) -> None:
        self.expiry = value if value in EXPIRY_CHOICES else "90"

    @rx.event
    async def create_token(self, form: dict[str, str]):
        self.creating = True
        yield
        auth = await self.get_state(SessionState)
        days = None if self.expiry == "never" else int(self.expiry)
        scopes = list(self.scopes) or None

        def create_token(user: User, session: Session) -> tuple[dict[str, str], str]:
            row, clear = service.create_api_token(
                user,
                form.get("name", ""),
                session=session,
                scopes=scopes,
                expires_in_days=days,
            )
            return token_row(row), clear

        try:
            new, clear = await as_user(auth, create_token)
        except VibeError as exc:
            self.form_error = exc.message
            return
        finally:
            self.creating = False
        self.tokens = [new, *[t for t in self.tokens if t["id"] != new["id"]]]
        self.form_error = ""
        self.new_token = clear

    # --- revoking ---------------------------------------------------------------------------------

    @rx.event
    def ask_revoke(self, kind: str, row_id: str, label: str) -> None:
        self.confirm_kind, self.confirm_id, self.confirm_label = kind, row_id, label
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, value: bool) -> None:
        self.confirm_open = value

    @rx.event
    async def confirm_revoke(self):
        """Revoke what ask_revoke chose; revoking this browser's own session signs out."""
        auth = await self.get_state(SessionState)
        kind, row_id = self.confirm_kind, int(self.confirm_id or 0)
        current = [s for s in self.sessions if s["current"] and s["id"] == self.confirm_id]

        def revoke(user: User, session: Session) -> None:
            if kind == "token":
                service.revoke_api_token(user, row_id, session=session)
            else:
                service.revoke_session(user, row_id, session=session)

        try:
            await as_user(auth, revoke)
        except VibeError as exc:
            self.confirm_open = False
            yield rx.toast.error(exc.message)
            return
        self.confirm_open = False
        if current:
            yield rx.redirect(routes.LOGIN)
            return
        if kind == "token":
            self.tokens = [t for t in self.tokens if t["id"] != self.confirm_id]
        else:
            self.sessions = [s for s in self.sessions if s["id"] != self.confirm_id]
        yield rx.toast.success(f"Revoked {self.confirm_label}")
