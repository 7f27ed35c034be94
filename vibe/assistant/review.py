"""The two texts of an edit proposal, for showing it in the editor's side-by-side diff view.

A pending proposal is compared as "the file now" against "the file with the edit applied"
(computed, nothing is written); an applied one as "before the edit" against "the file now".
A proposal that cannot be shown as two texts carries a note with the reason and its diff.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from vibe.assistant import proposals
from vibe.assistant.edits import EditRefused
from vibe.assistant.models import AppliedEdit, ProposalStatus
from vibe.auth.models import User
from vibe.projects.workspace import open_workspace


@dataclass
class ReviewTexts:
    proposal_id: int
    path: str
    status: str
    original: str = ""
    modified: str = ""
    note: str = ""  # set when there is no side-by-side view to show
    diff: str = ""


def proposal_texts(
    user: User, project_ref: int | str, proposal_id: int, *, session: Session
) -> ReviewTexts:
    """What to show for a proposal in one of the user's conversations (NotFound otherwise)."""
    proposal = proposals.get_proposal(user, project_ref, proposal_id, session=session)
    shown = ReviewTexts(proposal.id or 0, proposal.path, proposal.status, diff=proposal.diff)
    ws = open_workspace(proposal.project_id)
    if proposal.status == ProposalStatus.pending.value:
        try:
            old, new = proposals._result(ws, proposal)
        except EditRefused as exc:
            shown.note = f"This edit no longer applies: {exc}"
            return shown
        shown.original, shown.modified = old or "", new
        return shown
    if proposal.status == ProposalStatus.applied.value:
        applied = session.exec(
            select(AppliedEdit)
            .where(AppliedEdit.proposal_id == proposal.id)
            .order_by(col(AppliedEdit.id).desc())
        ).first()
        if applied is not None and ws.current_version(proposal.path) == applied.after_version:
            shown.original = applied.before_content or ""
            shown.modified = ws.read(proposal.path).text or ""
            return shown
        shown.note = "Applied; the file has changed since, so only the edit's diff is shown."
        return shown
    shown.note = proposal.reason or f"This proposal is {proposal.status}."
    return shown
