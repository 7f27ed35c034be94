"""Edit proposals: made from an answer, applied as one versioned save, rejected, undone.

A proposal carries the version of the file the model was shown (its base). Applying checks that
the file is still at that version and that every hunk matches exactly, then writes through the
workspace file service, so the change is one commit and a stale or broken edit writes nothing.
Undo writes the old content back on top of the applied version, and is refused when the file
changed after the edit.
"""

from __future__ import annotations

import difflib

from sqlmodel import Session, col, select

from vibe.assistant.edits import EditRefused, FileEdit, Hunk, apply_hunks, parse_edits
from vibe.assistant.models import (
    AppliedEdit,
    ChatMessage,
    Conversation,
    EditProposal,
    ProposalStatus,
)
from vibe.auth.models import User
from vibe.core.db import utcnow
from vibe.core.errors import Conflict, NotFound, VibeError
from vibe.projects import paths
from vibe.projects.models import Role
from vibe.projects.service import author_for, get_project, touch_project
from vibe.projects.workspace import Workspace, open_workspace

MAX_DIFF_CHARS = 200_000


class EditNotApplied(Conflict):
    """The proposal cannot be written as it is; nothing was written."""

    code = "edit_not_applied"


def propose_edits(
    project_id: int,
    message: ChatMessage,
    versions: dict[str, str | None],
    *,
    session: Session,
) -> list[EditProposal]:
    """One proposal per file block in the message; each checked against its base at once.

    ``versions`` are the files' versions the model was shown; a file it was not shown gets its
    current version (or None when it does not exist yet).
    """
    ws = open_workspace(project_id)
    made = []
    for edit in parse_edits(message.content):
        proposal = _proposal(ws, project_id, message, edit, versions)
        session.add(proposal)
        made.append(proposal)
    session.flush()
    return made


def _proposal(
    ws: Workspace, project_id: int, message: ChatMessage, edit: FileEdit, versions: dict
) -> EditProposal:
    proposal = EditProposal(
        message_id=message.id,  # type: ignore[arg-type]
        project_id=project_id,
        path=edit.path[:1024],
        hunks=[{"search": h.search, "replace": h.replace} for h in edit.hunks],
    )
    try:
        proposal.path = paths.clean(edit.path)
        proposal.base_version = versions.get(proposal.path, ws.current_version(proposal.path))
        if edit.problems:
            raise EditRefused("; ".join(edit.problems))
        old, new = _result(ws, proposal)
        proposal.diff = _diff(proposal.path, old, new)
    except (EditRefused, VibeError) as exc:
        proposal.status = ProposalStatus.invalid.value
        proposal.reason = str(getattr(exc, "message", exc))[:2000]
    return proposal


def _hunks(proposal: EditProposal) -> list[Hunk]:
    return [Hunk(h["search"], h["replace"]) for h in proposal.hunks]


def _result(ws: Workspace, proposal: EditProposal) -> tuple[str | None, str]:
    """(current text, new text) if the file is still at the base version and the hunks apply."""
    current = ws.current_version(proposal.path)
    if current != proposal.base_version:
        raise EditRefused(_stale(proposal.path, current))
    old = None
    if current is not None:
        file = ws.read(proposal.path)
        if file.text is None:
            raise EditRefused(f"'{proposal.path}' is a binary file; the assistant edits text only")
        old = file.text
    return old, apply_hunks(proposal.path, old, _hunks(proposal))


def _stale(path: str, current: str | None) -> str:
    if current is None:
        return f"'{path}' was deleted after the assistant read it; nothing was written"
    return (
        f"'{path}' changed after the assistant read it (now version {current[:12]}); "
        "ask again so the edit is based on the current file; nothing was written"
    )


def _diff(path: str, old: str | None, new: str) -> str:
    before = (old or "").splitlines(keepends=True)
    after = new.splitlines(keepends=True)
    source = f"a/{path}" if old is not None else "/dev/null"
    text = "".join(difflib.unified_diff(before, after, source, f"b/{path}"))
    return text if len(text) <= MAX_DIFF_CHARS else text[:MAX_DIFF_CHARS] + "\n[diff cut]\n"


# -- decisions ------------------------------------------------------------------------------------
def get_proposal(
    user: User,
    project_ref: int | str,
    proposal_id: int,
    *,
    session: Session,
    need: Role = Role.viewer,
) -> EditProposal:
    """A proposal in one of the user's own conversations of this project, else NotFound."""
    project = get_project(user, project_ref, session=session, need=need).project
    row = session.exec(
        select(EditProposal)
        .join(ChatMessage, col(ChatMessage.id) == EditProposal.message_id)
        .join(Conversation, col(Conversation.id) == ChatMessage.conversation_id)
        .where(
            EditProposal.id == proposal_id,
            EditProposal.project_id == project.id,
            Conversation.user_id == user.id,
        )
    ).first()
    if row is None:
        raise NotFound("edit proposal not found")
    return row


def apply_proposal(
    user: User, project_ref: int | str, proposal_id: int, *, session: Session
) -> AppliedEdit:
    """Write the proposal as one versioned save (editors); refused with a reason otherwise."""
    proposal = get_proposal(user, project_ref, proposal_id, session=session, need=Role.editor)
    if proposal.status != ProposalStatus.pending.value:
        why = f": {proposal.reason}" if proposal.reason else ""
        raise EditNotApplied(f"this proposal is {proposal.status}{why}")
    ws = open_workspace(proposal.project_id)
    try:
        old, new = _result(ws, proposal)
    except EditRefused as exc:
        raise EditNotApplied(str(exc)) from None
    saved = ws.write(
        proposal.path,
        new,
        base_version=proposal.base_version,
        author=author_for(user),
        message=f"AI edit: {proposal.path}",
    )
    applied = AppliedEdit(
        proposal_id=proposal.id,
        project_id=proposal.project_id,  # type: ignore[arg-type]
        user_id=user.id,
        path=proposal.path,
        before_version=proposal.base_version,
        before_content=old,
        after_version=saved.version,
        commit=saved.commit,
    )
    proposal.status, proposal.decided_at = ProposalStatus.applied.value, utcnow()
    session.add_all([applied, proposal])
    _touch(proposal.project_id, session)
    return applied


def reject_proposal(
    user: User, project_ref: int | str, proposal_id: int, *, session: Session
) -> EditProposal:
    """Mark a pending (or invalid) proposal as rejected; nothing is written."""
    proposal = get_proposal(user, project_ref, proposal_id, session=session)
    if proposal.status not in (ProposalStatus.pending.value, ProposalStatus.invalid.value):
        raise Conflict(f"this proposal is already {proposal.status}")
    proposal.status, proposal.decided_at = ProposalStatus.rejected.value, utcnow()
    session.add(proposal)
    session.flush()
    return proposal


def undo_applied(
    user: User, project_ref: int | str, applied_id: int, *, session: Session
) -> AppliedEdit:
    """Put the file back as it was before the AI edit, unless it changed since (editors)."""
    project = get_project(user, project_ref, session=session, need=Role.editor).project
    applied = session.get(AppliedEdit, applied_id)
    if applied is None or applied.project_id != project.id or applied.user_id != user.id:
        raise NotFound("applied edit not found")
    if applied.undone_at is not None:
        raise Conflict("this edit was already undone")
    ws = open_workspace(project.id)  # type: ignore[arg-type]
    current = ws.current_version(applied.path)
    if current != applied.after_version:
        raise EditNotApplied(
            f"'{applied.path}' changed after the AI edit was applied; undoing would lose those "
            "changes, so nothing was written"
        )
    author = author_for(user)
    if applied.before_content is None:
        ws.delete(applied.path, author=author)
        applied.undo_version = None
    else:
        saved = ws.write(
            applied.path,
            applied.before_content,
            base_version=applied.after_version,
            author=author,
            message=f"Undo AI edit: {applied.path}",
        )
        applied.undo_version = saved.version
    applied.undone_at = utcnow()
    proposal = session.get(EditProposal, applied.proposal_id)
    if proposal is not None:
        proposal.status = ProposalStatus.undone.value
        session.add(proposal)
    session.add(applied)
    _touch(project.id, session)  # type: ignore[arg-type]
    return applied


def applied_for(proposal_ids: list[int], *, session: Session) -> dict[int, int]:
    """proposal id → id of its latest applied edit (for showing an undo button)."""
    if not proposal_ids:
        return {}
    rows = session.exec(
        select(AppliedEdit.proposal_id, AppliedEdit.id)
        .where(col(AppliedEdit.proposal_id).in_(proposal_ids))
        .order_by(col(AppliedEdit.id))
    ).all()
    return dict(rows)


def _touch(project_id: int, session: Session) -> None:
    from vibe.projects.models import Project

    project = session.get(Project, project_id)
    if project is not None:
        touch_project(project, session=session)
