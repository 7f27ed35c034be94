"""/api/v1 routes of the assistant: the caller's AI providers, and chat, history and edit
proposals per project.

Project routes resolve the project through ``vibe.projects.service.get_project``, so a project
the caller is not a member of answers 404. Chat answers as ``text/event-stream`` (events:
start, provider, provider_failed, delta, done; see ``vibe.assistant.service``), or as the final
message in JSON with ``?stream=false``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import Field

from vibe.assistant import history, proposals, providers, service
from vibe.assistant.clients import ProviderError
from vibe.assistant.schemas import (
    AppliedPublic,
    AssistantStatus,
    ChatRequest,
    ConnectionReport,
    ContextReport,
    ContextRequest,
    ConversationHistory,
    ConversationPublic,
    MessagePublic,
    ProposalPublic,
    ProviderCreate,
    ProviderPublic,
    ProviderUpdate,
)
from vibe.auth.deps import DB, CurrentUser
from vibe.core.errors import VibeError

router = APIRouter(tags=["assistant"])
PROJECT = "/projects/{project_id}/assistant"


class ProviderFailed(VibeError):
    status = 502
    code = "provider_error"


class ContextPreview(ContextRequest):
    message: str = Field(default="", max_length=100_000)


# -- providers ------------------------------------------------------------------------------------
@router.get("/assistant/status")
def assistant_status(user: CurrentUser, session: DB) -> AssistantStatus:
    """Whether the caller can chat, and if not, how to add a provider (e.g. a local Ollama)."""
    listed = providers.list_providers(user, session=session)
    ready = any(p.enabled for p in listed)
    message = "ready" if ready else providers.NO_PROVIDER_MESSAGE
    shown = [providers.public(p) for p in listed]
    return AssistantStatus(configured=ready, message=message, providers=shown)


@router.get("/assistant/providers")
def list_providers(user: CurrentUser, session: DB) -> list[ProviderPublic]:
    """The caller's providers in fallback order (lower priority first); keys are never shown."""
    return [providers.public(p) for p in providers.list_providers(user, session=session)]


@router.post("/assistant/providers", status_code=status.HTTP_201_CREATED)
def create_provider(body: ProviderCreate, user: CurrentUser, session: DB) -> ProviderPublic:
    """Add an OpenAI-compatible or Anthropic provider; its API key is stored encrypted."""
    return providers.public(providers.create_provider(user, body, session=session))


@router.patch("/assistant/providers/{provider_id}")
def update_provider(
    provider_id: int, body: ProviderUpdate, user: CurrentUser, session: DB
) -> ProviderPublic:
    """Change a provider; omit api_key to keep it, send "" to remove it."""
    changed = providers.update_provider(user, provider_id, body, session=session)
    return providers.public(changed)


@router.delete("/assistant/providers/{provider_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_provider(provider_id: int, user: CurrentUser, session: DB) -> Response:
    """Remove a provider."""
    providers.delete_provider(user, provider_id, session=session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/assistant/providers/{provider_id}/test")
async def test_provider(provider_id: int, user: CurrentUser, session: DB) -> ConnectionReport:
    """Reach the provider (lists its models) and say whether it works and why not."""
    config = providers.config_of(providers.get_provider(user, provider_id, session=session))
    return await providers.test_connection(config)


@router.get("/assistant/providers/{provider_id}/models")
async def provider_models(provider_id: int, user: CurrentUser, session: DB) -> list[str]:
    """The model ids the provider offers; 502 with the reason when it cannot be reached."""
    config = providers.config_of(providers.get_provider(user, provider_id, session=session))
    try:
        return await providers.available_models(config)
    except ProviderError as exc:
        raise ProviderFailed(str(exc)) from None


# -- chat -----------------------------------------------------------------------------------------
@router.post(PROJECT + "/context")
def preview_context(
    project_id: str, body: ContextPreview, user: CurrentUser, session: DB
) -> ContextReport:
    """How a message's context would use the token budget, part by part (nothing is sent)."""
    request = ContextRequest(**body.model_dump(exclude={"message"}))
    return service.preview_context(
        user, project_id, request, question=body.message, session=session
    )


@router.post(PROJECT + "/chat", response_model=None)
async def chat(
    project_id: str, body: ChatRequest, user: CurrentUser, session: DB, stream: bool = True
) -> StreamingResponse | MessagePublic:
    """Ask the assistant; the answer streams as server-sent events (or JSON, stream=false).

    409 ``no_provider`` with instructions when the caller has no enabled provider.
    """
    turn = await run_in_threadpool(service.start_chat, user, project_id, body, session=session)
    if not stream:
        done: dict = {}
        async for event in turn.events():
            done = event.data if event.type == "done" else done
        return MessagePublic(**done)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(_sse(turn), media_type="text/event-stream", headers=headers)


async def _sse(turn: service.ChatTurn) -> AsyncIterator[str]:
    async for event in turn.events():
        yield f"event: {event.type}\ndata: {json.dumps(event.data, default=str)}\n\n"


@router.post(PROJECT + "/messages/{message_id}/stop", status_code=status.HTTP_204_NO_CONTENT)
def stop_message(project_id: str, message_id: int, user: CurrentUser, session: DB) -> Response:
    """Stop a streaming answer; what arrived so far is kept."""
    service.request_stop(user, project_id, message_id, session=session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(PROJECT + "/conversations")
def list_conversations(project_id: str, user: CurrentUser, session: DB) -> list[ConversationPublic]:
    """The caller's conversations in this project, latest first, with token totals."""
    return history.list_conversations(user, project_id, session=session)


@router.get(PROJECT + "/conversations/{conversation_id}")
def conversation(
    project_id: str, conversation_id: int, user: CurrentUser, session: DB
) -> ConversationHistory:
    """A conversation's messages with tokens, providers used, errors and edit proposals."""
    return history.conversation_history(user, project_id, conversation_id, session=session)


@router.delete(PROJECT + "/conversations/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_conversation(
    project_id: str, conversation_id: int, user: CurrentUser, session: DB
) -> Response:
    """Forget a conversation (edits already applied stay in the file history)."""
    history.delete_conversation(user, project_id, conversation_id, session=session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- edit proposals -------------------------------------------------------------------------------
@router.post(PROJECT + "/proposals/{proposal_id}/apply")
def apply_proposal(
    project_id: str, proposal_id: int, user: CurrentUser, session: DB
) -> AppliedPublic:
    """Write a proposed change as one versioned save; 409 with the reason if it cannot be."""
    applied = proposals.apply_proposal(user, project_id, proposal_id, session=session)
    session.flush()
    return AppliedPublic(**applied.model_dump())


@router.post(PROJECT + "/proposals/{proposal_id}/reject")
def reject_proposal(
    project_id: str, proposal_id: int, user: CurrentUser, session: DB
) -> ProposalPublic:
    """Dismiss a proposal; nothing is written."""
    proposal = proposals.reject_proposal(user, project_id, proposal_id, session=session)
    return history.proposal_public(proposal)


@router.post(PROJECT + "/applied/{applied_id}/undo")
def undo_applied(project_id: str, applied_id: int, user: CurrentUser, session: DB) -> AppliedPublic:
    """Put the file back as it was before the AI edit; 409 if it changed since."""
    applied = proposals.undo_applied(user, project_id, applied_id, session=session)
    session.flush()
    return AppliedPublic(**applied.model_dump())
