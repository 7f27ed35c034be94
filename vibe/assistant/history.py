"""Chat history: a user's conversations in a project, their messages, tokens and proposals.

Conversations are personal: other members of the project do not see them, and asking for one
that is not yours answers NotFound.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from vibe.assistant.models import ChatMessage, Conversation, EditProposal, MessageStatus
from vibe.assistant.proposals import applied_for
from vibe.assistant.schemas import (
    ConversationHistory,
    ConversationPublic,
    MessagePublic,
    ProposalPublic,
)
from vibe.auth.models import User
from vibe.core.errors import NotFound
from vibe.projects.service import get_project

SHOWN_STATUSES = (MessageStatus.complete.value, MessageStatus.stopped.value)


def get_conversation(
    user: User, project_id: int, conversation_id: int, *, session: Session
) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if (
        conversation is None
        or conversation.project_id != project_id
        or conversation.user_id != user.id
    ):
        raise NotFound("conversation not found")
    return conversation


def turns(conversation_id: int, *, session: Session) -> list[tuple[str, str]]:
    """Earlier (role, text) pairs the model may see again: answers that failed are left out."""
    rows = session.exec(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == conversation_id)
        .order_by(col(ChatMessage.id))
    ).all()
    return [
        (m.role, m.content)
        for m in rows
        if m.content and (m.role == "user" or m.status in SHOWN_STATUSES)
    ]


def list_conversations(
    user: User, project_ref: int | str, *, session: Session
) -> list[ConversationPublic]:
    """The user's conversations in the project, latest first, with their token totals."""
    project = get_project(user, project_ref, session=session).project
    totals = (
        select(
            ChatMessage.conversation_id,
            func.coalesce(func.sum(ChatMessage.prompt_tokens), 0),
            func.coalesce(func.sum(ChatMessage.completion_tokens), 0),
        )
        .group_by(col(ChatMessage.conversation_id))
        .subquery()
    )
    rows = session.exec(
        select(Conversation, totals.c[1], totals.c[2])
        .outerjoin(totals, totals.c.conversation_id == Conversation.id)
        .where(Conversation.project_id == project.id, Conversation.user_id == user.id)
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
    ).all()
    return [_conversation_public(c, prompt or 0, done or 0) for c, prompt, done in rows]


def conversation_history(
    user: User, project_ref: int | str, conversation_id: int, *, session: Session
) -> ConversationHistory:
    """One conversation with every message, its tokens and its edit proposals."""
    project = get_project(user, project_ref, session=session).project
    conversation = get_conversation(user, project.id, conversation_id, session=session)  # type: ignore[arg-type]
    messages = session.exec(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == conversation.id)
        .order_by(col(ChatMessage.id))
    ).all()
    shown = [message_public(m, session=session) for m in messages]
    base = _conversation_public(
        conversation,
        sum(m.prompt_tokens for m in messages),
        sum(m.completion_tokens for m in messages),
    )
    return ConversationHistory(**base.model_dump(), messages=shown)


def delete_conversation(
    user: User, project_ref: int | str, conversation_id: int, *, session: Session
) -> None:
    """Forget a conversation and its messages (applied edits stay in the file history)."""
    project = get_project(user, project_ref, session=session).project
    conversation = get_conversation(user, project.id, conversation_id, session=session)  # type: ignore[arg-type]
    session.delete(conversation)
    session.flush()


def message_public(message: ChatMessage, *, session: Session) -> MessagePublic:
    proposals = session.exec(
        select(EditProposal)
        .where(EditProposal.message_id == message.id)
        .order_by(col(EditProposal.id))
    ).all()
    applied = applied_for([p.id for p in proposals if p.id is not None], session=session)
    return MessagePublic(
        **message.model_dump(exclude={"stop_requested", "provider_id"}),
        proposals=[proposal_public(p, applied.get(p.id or 0)) for p in proposals],
    )


def proposal_public(proposal: EditProposal, applied_id: int | None = None) -> ProposalPublic:
    return ProposalPublic(
        id=proposal.id or 0,
        message_id=proposal.message_id,
        path=proposal.path,
        base_version=proposal.base_version,
        status=proposal.status,
        reason=proposal.reason,
        diff=proposal.diff,
        hunks=len(proposal.hunks),
        applied_id=applied_id,
    )


def _conversation_public(c: Conversation, prompt: int, done: int) -> ConversationPublic:
    return ConversationPublic(
        **c.model_dump(exclude={"user_id"}), prompt_tokens=int(prompt), completion_tokens=int(done)
    )
