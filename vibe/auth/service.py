"""Accounts, browser sessions and API tokens.

Sessions are server-side rows so they can be listed and revoked; the cookie carries only a random
id. API tokens are opaque (``vibe_...``), stored hashed, shown once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from vibe.auth.models import ApiToken, Identity, LoginSession, User
from vibe.core import security
from vibe.core.config import get_settings
from vibe.core.db import utcnow
from vibe.core.errors import Conflict, NotFound, Unauthorized, ValidationFailed

TOKEN_PREFIX = "vibe_"
VALID_SCOPES = ("read", "write", "admin")
LOCAL_USERNAME = "local"


@dataclass(frozen=True)
class ProviderProfile:
    """What a provider tells us about the person signing in."""

    provider: str
    subject: str
    login: str
    name: str = ""
    email: str = ""
    avatar_url: str = ""
    scopes: str = ""
    access_token: str = ""
    refresh_token: str = ""
    expires_at: datetime | None = None


def _unique_username(session: Session, wanted: str) -> str:
    base = "".join(c for c in wanted.lower() if c.isalnum() or c in "-_")[:80] or "user"
    candidate, n = base, 1
    while session.exec(select(User).where(User.username == candidate)).first():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def upsert_identity(
    profile: ProviderProfile, *, session: Session, link_to: User | None = None
) -> User:
    """Find or create the user behind a provider login, refreshing the stored tokens.

    ``link_to`` attaches a new identity to an already signed-in user instead of creating one;
    an identity that already belongs to someone else is refused rather than moved.
    """
    identity = session.exec(
        select(Identity).where(
            Identity.provider == profile.provider, Identity.subject == profile.subject
        )
    ).first()
    now = utcnow()
    if identity is None:
        user = link_to
        if user is None:
            user = User(
                username=_unique_username(session, profile.login or profile.subject),
                name=profile.name,
                email=profile.email,
                avatar_url=profile.avatar_url,
            )
            if session.exec(select(User).limit(1)).first() is None:
                user.is_admin = True  # the first account administers the instance
            session.add(user)
            session.flush()
        identity = Identity(user_id=user.id, provider=profile.provider, subject=profile.subject)
        session.add(identity)
    else:
        if link_to is not None and identity.user_id != link_to.id:
            raise Conflict("this account is already linked to another Vibe user")
        user = session.get(User, identity.user_id)
        if user is None:  # pragma: no cover - FK cascade prevents this
            raise NotFound("account not found")
    identity.login = profile.login
    identity.avatar_url = profile.avatar_url
    identity.scopes = profile.scopes
    identity.access_token_enc = (
        security.encrypt(profile.access_token) if profile.access_token else ""
    )
    identity.refresh_token_enc = (
        security.encrypt(profile.refresh_token) if profile.refresh_token else ""
    )
    identity.token_expires_at = profile.expires_at
    identity.updated_at = now
    if not user.is_active:
        raise Unauthorized("this account is disabled")
    user.last_login_at = now
    if profile.avatar_url and not user.avatar_url:
        user.avatar_url = profile.avatar_url
    session.add(user)
    session.flush()
    return user


def local_user(*, session: Session) -> User:
    """The single user of a laptop install, created on first use."""
    return upsert_identity(
        ProviderProfile(
            provider="local", subject=LOCAL_USERNAME, login=LOCAL_USERNAME, name="Local user"
        ),
        session=session,
    )


def create_admin(username: str, *, session: Session) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        user = upsert_identity(
            ProviderProfile(provider="local", subject=username, login=username, name=username),
            session=session,
        )
    user.is_admin = True
    session.add(user)
    session.flush()
    return user


# --- sessions -------------------------------------------------------------------------------


def start_session(user: User, *, session: Session, user_agent: str = "", ip: str = "") -> str:
    """Create a session row and return the cookie value (never stored in clear)."""
    token = security.new_token()
    now = utcnow()
    session.add(
        LoginSession(
            token_hash=security.hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=get_settings().session_ttl_hours),
            user_agent=user_agent[:500],
            ip=ip[:64],
        )
    )
    session.flush()
    return token


def user_for_session(token: str | None, *, session: Session, touch: bool = True) -> User | None:
    """The user behind a session cookie, or None when it is unknown, expired or revoked."""
    if not token:
        return None
    row = session.exec(
        select(LoginSession).where(LoginSession.token_hash == security.hash_token(token))
    ).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    if touch and (now - row.last_seen_at) > timedelta(minutes=1):
        row.last_seen_at = now
        session.add(row)
    return user


def session_row(token: str, *, session: Session) -> LoginSession | None:
    return session.exec(
        select(LoginSession).where(LoginSession.token_hash == security.hash_token(token))
    ).first()


def end_session(token: str | None, *, session: Session) -> None:
    if not token:
        return
    row = session_row(token, session=session)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def list_sessions(user: User, *, session: Session) -> list[LoginSession]:
    now = utcnow()
    rows = session.exec(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))  # type: ignore[union-attr]
        .order_by(LoginSession.last_seen_at.desc())  # type: ignore[attr-defined]
    ).all()
    return [r for r in rows if r.expires_at > now]


def revoke_session(user: User, session_id: int, *, session: Session) -> None:
    row = session.get(LoginSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound("session not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


# --- API tokens -----------------------------------------------------------------------------


def create_api_token(
    user: User,
    name: str,
    *,
    session: Session,
    scopes: list[str] | None = None,
    expires_in_days: int | None = 90,
) -> tuple[ApiToken, str]:
    """Return the row and the clear token; the clear value is never retrievable again."""
    name = name.strip()
    if not name:
        raise ValidationFailed("token name is required")
    if len(name) > 100:
        raise ValidationFailed("token name must be at most 100 characters")
    scopes = scopes or ["read", "write"]
    bad = [s for s in scopes if s not in VALID_SCOPES]
    if bad:
        raise ValidationFailed(f"unknown scope(s): {', '.join(bad)}")
    if "admin" in scopes and not user.is_admin:
        raise ValidationFailed("only administrators can create admin tokens")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ValidationFailed("expiry must be between 1 and 3650 days")
    clear = security.new_token(TOKEN_PREFIX)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=security.hash_token(clear),
        prefix=clear[: len(TOKEN_PREFIX) + 4],
        scopes=" ".join(scopes),
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(row)
    session.flush()
    return row, clear


def user_for_api_token(token: str, *, session: Session) -> tuple[User, ApiToken]:
    """Authenticate a bearer token, recording its last use; raises Unauthorized otherwise."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized("invalid API token")
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == security.hash_token(token))
    ).first()
    now = utcnow()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked API token")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized("API token has expired")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("account disabled")
    if row.last_used_at is None or (now - row.last_used_at) > timedelta(minutes=1):
        row.last_used_at = now
        session.add(row)
    return user, row


def list_api_tokens(user: User, *, session: Session) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))  # type: ignore[union-attr]
            .order_by(ApiToken.created_at.desc())  # type: ignore[attr-defined]
        ).all()
    )


def revoke_api_token(user: User, token_id: int, *, session: Session) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("token not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def list_identities(user: User, *, session: Session) -> list[Identity]:
    return list(session.exec(select(Identity).where(Identity.user_id == user.id)).all())
