"""The assistant's tables: LLM providers per user, conversations, messages, edit proposals.

A provider's API key is Fernet-encrypted at rest (``api_key_enc``). A proposal is one file's
change parsed from an assistant answer; applying it records an ``AppliedEdit`` holding what the
file was before, so every AI change can be undone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vibe.core.db import utcnow


class ProviderKind(StrEnum):
    openai_compatible = "openai_compatible"
    anthropic = "anthropic"


class MessageStatus(StrEnum):
    streaming = "streaming"
    complete = "complete"
    stopped = "stopped"
    failed = "failed"


class ProposalStatus(StrEnum):
    pending = "pending"  # parsed and applies cleanly onto its base version
    invalid = "invalid"  # cannot be applied as written (reason says why)
    applied = "applied"
    rejected = "rejected"
    undone = "undone"


class AssistantProvider(SQLModel, table=True):
    """One LLM endpoint a user configured; lower ``priority`` is tried first."""

    __tablename__ = "assistant_providers"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_assistant_provider_name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=60)
    kind: str = Field(default=ProviderKind.openai_compatible.value, max_length=20)
    base_url: str = Field(default="", max_length=2000)
    api_key_enc: str = Field(default="")
    default_model: str = Field(default="", max_length=200)
    priority: int = 100
    timeout_seconds: float = 60.0
    max_output_tokens: int = 4096
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """A chat thread of one user in one project."""

    __tablename__ = "assistant_conversations"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    title: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ChatMessage(SQLModel, table=True):
    """One turn: the user's question or the assistant's answer with its token accounting."""

    __tablename__ = "assistant_messages"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        foreign_key="assistant_conversations.id", index=True, ondelete="CASCADE"
    )
    role: str = Field(max_length=20)  # user | assistant
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default=MessageStatus.complete.value, max_length=20)
    provider_id: int | None = Field(
        default=None, foreign_key="assistant_providers.id", ondelete="SET NULL"
    )
    provider_name: str = Field(default="", max_length=60)
    model: str = Field(default="", max_length=200)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage_estimated: bool = False  # True when the provider reported no usage
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    error: str = Field(default="", max_length=4000)
    stop_requested: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class EditProposal(SQLModel, table=True):
    """One file's change proposed by an assistant message, against ``base_version``."""

    __tablename__ = "assistant_proposals"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="assistant_messages.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    path: str = Field(max_length=1024)
    base_version: str | None = Field(default=None, max_length=40)  # None: a new file
    hunks: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    diff: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default=ProposalStatus.pending.value, max_length=12)
    reason: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class AppliedEdit(SQLModel, table=True):
    """A proposal written to the workspace: the before/after versions and the old content."""

    __tablename__ = "assistant_applied_edits"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="assistant_proposals.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    path: str = Field(max_length=1024)
    before_version: str | None = Field(default=None, max_length=40)  # None: the edit created it
    before_content: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after_version: str = Field(max_length=40)
    commit: str | None = Field(default=None, max_length=40)
    applied_at: datetime = Field(default_factory=utcnow)
    undone_at: datetime | None = None
    undo_version: str | None = Field(default=None, max_length=40)
