"""What the auth API accepts and returns; secrets (token hashes, provider tokens) never leave."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from vibe.auth.models import ApiToken, Identity, LoginSession, User

Scope = Literal["read", "write", "admin"]


class Providers(BaseModel):
    github: bool
    huggingface: bool
    local: bool


class UserPublic(BaseModel):
    id: int
    username: str
    name: str
    email: str
    avatar_url: str
    is_admin: bool
    created_at: datetime
    auth: Literal["session", "token"]
    scopes: list[str]

    @classmethod
    def of(cls, user: User, token: ApiToken | None) -> UserPublic:
        return cls(
            id=user.id or 0,
            username=user.username,
            name=user.name,
            email=user.email,
            avatar_url=user.avatar_url,
            is_admin=user.is_admin,
            created_at=user.created_at,
            auth="token" if token else "session",
            scopes=token.scopes.split() if token else ["read", "write", "admin"],
        )


class SessionPublic(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    ip: str
    current: bool

    @classmethod
    def of(cls, row: LoginSession, current_id: int | None) -> SessionPublic:
        return cls(
            id=row.id or 0,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            ip=row.ip,
            current=row.id == current_id,
        )


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(default_factory=lambda: ["read", "write"], min_length=1)
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenPublic:
        return cls(
            id=row.id or 0,
            name=row.name,
            prefix=row.prefix,
            scopes=row.scopes.split(),
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
        )


class TokenCreated(TokenPublic):
    token: str = Field(description="The clear token; shown once and never again.")


class IdentityPublic(BaseModel):
    id: int
    provider: str
    login: str
    avatar_url: str
    created_at: datetime

    @classmethod
    def of(cls, row: Identity) -> IdentityPublic:
        return cls(
            id=row.id or 0,
            provider=row.provider,
            login=row.login,
            avatar_url=row.avatar_url,
            created_at=row.created_at,
        )
