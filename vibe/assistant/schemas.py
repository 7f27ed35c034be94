"""What the assistant's API and services take and give: providers, chat turns, proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from vibe.assistant.models import ProviderKind


# -- providers ------------------------------------------------------------------------------------
class ProviderCreate(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    kind: ProviderKind = ProviderKind.openai_compatible
    base_url: str = Field(default="", max_length=2000, description="Empty: the vendor's own API.")
    api_key: str = Field(default="", max_length=4000)
    default_model: str = Field(min_length=1, max_length=200)
    priority: int = Field(default=100, ge=0, le=10_000, description="Lower is tried first.")
    timeout_seconds: float = Field(default=60.0, ge=0.1, le=600)
    max_output_tokens: int = Field(default=4096, ge=1, le=200_000)
    enabled: bool = True


class ProviderUpdate(BaseModel):
    """Only the fields sent change; ``api_key``: omitted keeps it, "" clears it."""

    name: str | None = Field(default=None, min_length=1, max_length=60)
    kind: ProviderKind | None = None
    base_url: str | None = Field(default=None, max_length=2000)
    api_key: str | None = Field(default=None, max_length=4000)
    default_model: str | None = Field(default=None, min_length=1, max_length=200)
    priority: int | None = Field(default=None, ge=0, le=10_000)
    timeout_seconds: float | None = Field(default=None, ge=0.1, le=600)
    max_output_tokens: int | None = Field(default=None, ge=1, le=200_000)
    enabled: bool | None = None


class ProviderPublic(BaseModel):
    """A provider as shown to its owner: never the key, only whether one is set and its end."""

    id: int
    name: str
    kind: str
    base_url: str
    default_model: str
    priority: int
    timeout_seconds: float
    max_output_tokens: int
    enabled: bool
    has_api_key: bool
    api_key_hint: str
    created_at: datetime
    updated_at: datetime


class ConnectionReport(BaseModel):
    ok: bool
    message: str
    models: list[str] = []
    latency_ms: float = 0.0


class AssistantStatus(BaseModel):
    configured: bool
    message: str
    providers: list[ProviderPublic] = []


# -- chat -----------------------------------------------------------------------------------------
class Selection(BaseModel):
    """1-based inclusive line range of the selection in the current file."""

    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)


class CurrentFile(BaseModel):
    path: str = Field(min_length=1, max_length=1024)
    cursor_line: int | None = Field(default=None, ge=1)
    selection: Selection | None = None


class ContextRequest(BaseModel):
    current_file: CurrentFile | None = None
    pinned: list[str] = Field(default_factory=list, max_length=50)
    budget_tokens: int | None = Field(default=None, ge=500, le=1_000_000)
    include_graph: bool = True


class ChatRequest(ContextRequest):
    message: str = Field(min_length=1, max_length=100_000)
    conversation_id: int | None = None
    provider_id: int | None = Field(default=None, description="Tried first; others follow.")
    model: str | None = Field(default=None, max_length=200, description="For that provider.")


class ContextPartInfo(BaseModel):
    kind: str  # instructions | question | selection | current_file | pinned | graph | history
    label: str
    tokens: int
    original_tokens: int
    included: bool
    truncated: bool
    note: str = ""


class ContextReport(BaseModel):
    """How the budget was spent: shown to the user next to the chat box."""

    budget_tokens: int
    used_tokens: int
    parts: list[ContextPartInfo]
    versions: dict[str, str | None] = {}
    graph: str = ""  # "used" | "not indexed" | "unavailable" | "no symbol at cursor" | "off"


class ProposalPublic(BaseModel):
    id: int
    message_id: int
    path: str
    base_version: str | None
    status: str
    reason: str
    diff: str
    hunks: int
    applied_id: int | None = None


class MessagePublic(BaseModel):
    id: int
    conversation_id: int
    role: str
    content: str
    status: str
    provider_name: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    usage_estimated: bool
    error: str
    attempts: list[dict[str, Any]]
    context: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    proposals: list[ProposalPublic] = []


class ConversationPublic(BaseModel):
    id: int
    project_id: int
    title: str
    created_at: datetime
    updated_at: datetime
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ConversationHistory(ConversationPublic):
    messages: list[MessagePublic]


class AppliedPublic(BaseModel):
    id: int
    proposal_id: int
    path: str
    before_version: str | None
    after_version: str
    commit: str | None
    applied_at: datetime
    undone_at: datetime | None
    undo_version: str | None
