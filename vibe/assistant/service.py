"""Chat turns: build the context, stream the answer from the first provider that works, store it.

``start_chat`` checks membership, picks the providers, builds the context and stores the user's
message with an empty assistant message (committed: the turn runs in sessions of its own, as a
streaming response outlives its request's session). ``ChatTurn.events()`` then streams:

- ``start``    {conversation_id, user_message_id, message_id, context}
- ``provider`` {name, model}                      a provider is being asked
- ``provider_failed`` {name, model, error}        it failed before any text; the next is tried
- ``delta``    {text}                             a piece of the answer
- ``done``     MessagePublic                      stored answer, tokens, proposals, error

Fallback happens only before the first piece of text: once a provider has started answering,
mixing in another model's answer would be worse than reporting the failure. A turn stops on
``ChatTurn.stop()``, on ``request_stop`` (from any process: a flag in the database) or when the
consumer goes away; what arrived so far is kept with status ``stopped``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from vibe.assistant import clients, history, providers
from vibe.assistant.clients import ProviderConfig, ProviderError, Usage
from vibe.assistant.context import build_context, estimate_tokens
from vibe.assistant.models import ChatMessage, Conversation, MessageStatus
from vibe.assistant.proposals import propose_edits
from vibe.assistant.schemas import ChatRequest, ContextReport, ContextRequest
from vibe.auth.models import User
from vibe.core.db import session_scope, utcnow
from vibe.core.errors import NotFound
from vibe.projects.service import get_project

STOP_POLL_SECONDS = 0.1
DB_STOP_CHECK_SECONDS = 0.5
TITLE_CHARS = 80

_running: weakref.WeakValueDictionary[int, ChatTurn] = weakref.WeakValueDictionary()


@dataclass
class ChatEvent:
    type: str
    data: dict[str, Any]


class _Stopped(Exception):
    pass


@dataclass(eq=False)
class ChatTurn:
    """A started turn; iterate ``events()`` once to run it."""

    project_id: int
    conversation_id: int
    user_message_id: int
    message_id: int
    context: ContextReport
    configs: list[ProviderConfig]
    model: str | None
    system: str
    messages: list[dict[str, str]]
    versions: dict[str, str | None]
    _stop: threading.Event = field(default_factory=threading.Event)
    _checked_db: float = 0.0

    def stop(self) -> None:
        """Ask the turn to stop; the answer so far is kept."""
        self._stop.set()

    async def events(self) -> AsyncIterator[ChatEvent]:
        outcome = _Outcome()
        try:
            yield ChatEvent(
                "start",
                {
                    "conversation_id": self.conversation_id,
                    "user_message_id": self.user_message_id,
                    "message_id": self.message_id,
                    "context": self.context.model_dump(),
                },
            )
            async for event in self._run(outcome):
                yield event
        finally:
            done = _finish(self, outcome)
        yield ChatEvent("done", done)

    async def _run(self, outcome: _Outcome) -> AsyncIterator[ChatEvent]:
        for n, config in enumerate(self.configs):
            model = self.model if n == 0 and self.model else config.default_model
            yield ChatEvent("provider", {"name": config.name, "model": model})
            outcome.config, outcome.model = config, model
            try:
                async for piece in self._stream(config, model, outcome):
                    yield ChatEvent("delta", {"text": piece})
                outcome.status = MessageStatus.complete
                return
            except _Stopped:
                outcome.status = MessageStatus.stopped
                return
            except ProviderError as exc:
                outcome.attempts.append(
                    {"provider": config.name, "model": model, "error": exc.message}
                )
                if outcome.pieces:
                    outcome.error = f"{config.name} failed while answering: {exc.message}"
                    return
                yield ChatEvent("provider_failed", outcome.attempts[-1])
        outcome.config = None
        outcome.error = "every AI provider failed: " + "; ".join(
            f"{a['provider']}: {a['error']}" for a in outcome.attempts
        )

    async def _stream(
        self, config: ProviderConfig, model: str, outcome: _Outcome
    ) -> AsyncIterator[str]:
        # The SDK stream lives in one task of its own (its context managers must enter and
        # exit in the same task); this side waits on a queue so a stop is seen at once.
        queue: asyncio.Queue[str | Usage | BaseException | None] = asyncio.Queue()
        producer = asyncio.ensure_future(self._produce(config, model, queue))
        try:
            while (item := await self._next(queue)) is not None:
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, Usage):
                    outcome.usage = item
                else:
                    outcome.pieces.append(item)
                    yield item
        finally:
            producer.cancel()
            with contextlib.suppress(BaseException):
                await producer

    async def _produce(self, config: ProviderConfig, model: str, queue: asyncio.Queue) -> None:
        try:
            async for item in clients.stream_reply(
                config, system=self.system, messages=self.messages, model=model
            ):
                queue.put_nowait(item)
        except ProviderError as exc:
            queue.put_nowait(exc)
        finally:
            queue.put_nowait(None)

    async def _next(self, queue: asyncio.Queue) -> Any:
        """The next item (None at the end); _Stopped as soon as a stop is asked for."""
        while True:
            if self._stop_requested():
                raise _Stopped
            try:
                return await asyncio.wait_for(queue.get(), STOP_POLL_SECONDS)
            except TimeoutError:
                continue

    def _stop_requested(self) -> bool:
        if self._stop.is_set():
            return True
        now = time.monotonic()
        if now - self._checked_db >= DB_STOP_CHECK_SECONDS:
            self._checked_db = now
            with session_scope() as session:
                message = session.get(ChatMessage, self.message_id)
                if message is not None and message.stop_requested:
                    self._stop.set()
        return self._stop.is_set()


@dataclass
class _Outcome:
    status: MessageStatus = MessageStatus.failed
    config: ProviderConfig | None = None
    model: str = ""
    pieces: list[str] = field(default_factory=list)
    usage: Usage | None = None
    attempts: list[dict[str, str]] = field(default_factory=list)
    error: str = ""


def start_chat(
    user: User, project_ref: int | str, request: ChatRequest, *, session: Session
) -> ChatTurn:
    """Store the question and prepare the turn (commits); iterate ``events()`` to run it.

    NotFound for a project the user is not a member of; NoProviderConfigured (409) with
    instructions when the user has no enabled provider.
    """
    project = get_project(user, project_ref, session=session).project
    project_id: int = project.id  # type: ignore[assignment]
    configs = providers.fallback_configs(user, session=session, prefer=request.provider_id)
    conversation = _conversation(user, project_id, request, session)
    earlier = history.turns(conversation.id, session=session)  # type: ignore[arg-type]
    built = build_context(
        user, project_id, request, question=request.message, history=earlier, session=session
    )
    asked = ChatMessage(
        conversation_id=conversation.id,
        role="user",  # type: ignore[arg-type]
        content=request.message,
    )
    reply = ChatMessage(
        conversation_id=conversation.id,
        role="assistant",  # type: ignore[arg-type]
        status=MessageStatus.streaming.value,
        context=built.report.model_dump(),
    )
    conversation.updated_at = utcnow()
    session.add_all([asked, reply, conversation])
    session.commit()
    turn = ChatTurn(
        project_id,
        conversation.id,
        asked.id,
        reply.id,
        built.report,  # type: ignore[arg-type]
        configs,
        request.model,
        built.system,
        built.messages,
        built.versions,
    )
    _running[turn.message_id] = turn
    return turn


def _conversation(
    user: User, project_id: int, request: ChatRequest, session: Session
) -> Conversation:
    if request.conversation_id is None:
        title = " ".join(request.message.split())[:TITLE_CHARS]
        conversation = Conversation(project_id=project_id, user_id=user.id, title=title)  # type: ignore[arg-type]
        session.add(conversation)
        session.flush()
        return conversation
    return history.get_conversation(user, project_id, request.conversation_id, session=session)


def preview_context(
    user: User,
    project_ref: int | str,
    request: ContextRequest,
    *,
    question: str = "",
    session: Session,
) -> ContextReport:
    """The context report a message would get, without asking any model."""
    project = get_project(user, project_ref, session=session).project
    built = build_context(
        user,
        project.id,
        request,
        question=question,
        history=[],  # type: ignore[arg-type]
        session=session,
    )
    return built.report


def request_stop(user: User, project_ref: int | str, message_id: int, *, session: Session) -> None:
    """Stop a streaming answer; works from any process through the message's stop flag."""
    project = get_project(user, project_ref, session=session).project
    message = session.exec(
        select(ChatMessage)
        .join(Conversation, col(Conversation.id) == ChatMessage.conversation_id)
        .where(
            ChatMessage.id == message_id,
            Conversation.project_id == project.id,
            Conversation.user_id == user.id,
        )
    ).first()
    if message is None:
        raise NotFound("message not found")
    if message.status == MessageStatus.streaming.value:
        message.stop_requested = True
        session.add(message)
        session.flush()
    turn = _running.get(message_id)
    if turn is not None:
        turn.stop()


def _finish(turn: ChatTurn, outcome: _Outcome) -> dict[str, Any]:
    """Store the answer, its tokens and its edit proposals; runs even when cancelled."""
    if outcome.status == MessageStatus.failed and not outcome.error:
        outcome.status = MessageStatus.stopped  # the consumer went away mid-answer
    text = "".join(outcome.pieces)
    with session_scope() as session:
        message = session.get(ChatMessage, turn.message_id)
        assert message is not None
        message.content, message.status = text, outcome.status.value
        message.attempts, message.error = outcome.attempts, outcome.error[:4000]
        if outcome.config is not None:
            message.provider_id, message.provider_name = outcome.config.id, outcome.config.name
            message.model = outcome.model
        _count_tokens(message, turn, outcome, text)
        message.finished_at = utcnow()
        session.add(message)
        session.flush()
        if text:
            propose_edits(turn.project_id, message, turn.versions, session=session)
        public = history.message_public(message, session=session)
    _running.pop(turn.message_id, None)
    return public.model_dump(mode="json")


def _count_tokens(message: ChatMessage, turn: ChatTurn, outcome: _Outcome, text: str) -> None:
    if outcome.usage is not None:
        message.prompt_tokens = outcome.usage.prompt_tokens
        message.completion_tokens = outcome.usage.completion_tokens
        message.usage_estimated = False
    elif outcome.config is not None:
        message.prompt_tokens = turn.context.used_tokens
        message.completion_tokens = estimate_tokens(text)
        message.usage_estimated = True
