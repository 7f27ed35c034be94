"""Users and how they prove who they are: identities, browser sessions, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from vibe.core.db import utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    avatar_url: str = Field(default="", max_length=1000)
    is_admin: bool = False
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class Identity(SQLModel, table=True):
    """A provider account linked to a user; tokens are Fernet-encrypted at rest."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_identity_provider_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=20)  # github | huggingface | local
    subject: str = Field(max_length=200)
    login: str = Field(default="", max_length=200)
    avatar_url: str = Field(default="", max_length=1000)
    scopes: str = Field(default="", max_length=1000)
    access_token_enc: str = Field(default="")
    refresh_token_enc: str = Field(default="")
    token_expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LoginSession(SQLModel, table=True):
    """Server-side browser session; the cookie holds a random id whose hash is stored here."""

    __tablename__ = "login_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    last_seen_at: datetime = Field(default_factory=utcnow)
    user_agent: str = Field(default="", max_length=500)
    ip: str = Field(default="", max_length=64)
    revoked_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """Personal API token; the clear value is shown once at creation and never stored."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16)
    scopes: str = Field(default="read write", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
