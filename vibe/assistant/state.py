"""The editor's AI panel: provider status, conversations, the streaming chat, context and proposals.

A turn runs in a background event that consumes ``ChatTurn.events()``: the answer so far lives in
``live_text`` (flushed a few times a second), so the page stays responsive and Stop can be
pressed meanwhile. The finished answer becomes a ``MessageRow`` with its edit proposals, which
open in the diff view with Apply / Reject; an applied one can be undone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import reflex as rx
from sqlmodel import Session

from vibe.assistant import history, proposals, providers, review, service
from vibe.assistant.rows import MessageRow, ProposalRow, message_row, part_row
from vibe.assistant.schemas import (
    ChatRequest,
    ContextReport,
    ContextRequest,
    ConversationHistory,
    CurrentFile,
    Selection,
)
from vibe.auth.models import User
from vibe.auth.state import SessionState, as_user
from vibe.core.errors import VibeError
from vibe.editor.state import EditorState

FLUSH_SECONDS = 0.08
BUDGETS = {"Auto": None, "4k": 4_000, "8k": 8_000, "16k": 16_000, "32k": 32_000, "128k": 128_000}
RELOAD_OPEN_FILES = "window.vibeEditor && window.vibeEditor.reloadClean()"
CURSOR_JS = """(() => {
  const e = window.vibeEditor && window.vibeEditor.editor && window.vibeEditor.editor();
  if (!e || !e.getModel()) return {line: 0, start: 0, end: 0};
  const p = e.getPosition(), s = e.getSelection();
  const picked = s && !s.isEmpty();
  return {line: p ? p.lineNumber : 0, start: picked ? s.startLineNumber : 0,
          end: picked ? s.endLineNumber : 0};
})()"""


class AssistantState(rx.State):
    project_id: str = ""
    configured: bool = True
    setup_message: str = ""
    providers: list[dict[str, str]] = []
    provider_choice: str = "auto"
    conversations: list[dict[str, str]] = []
    conversation_id: str = "new"
    messages: list[MessageRow] = []
    streaming: bool = False
    stopping: bool = False
    live_text: str = ""
    live_status: str = ""
    live_notes: list[str] = []
    pinned: list[str] = []
    budget: str = "Auto"
    parts: list[dict[str, str]] = []
    used_tokens: int = 0
    budget_tokens: int = 0
    graph_status: str = ""
    review_id: int = 0
    review_path: str = ""
    review_status: str = ""
    review_original: str = ""
    review_modified: str = ""
    review_note: str = ""
    _message_id: int = 0
    _question: str = ""

    @rx.var
    def token_label(self) -> str:
        if not self.budget_tokens:
            return "Context"
        return f"{self.used_tokens:,} / {self.budget_tokens:,} tokens"

    @rx.var
    def budget_percent(self) -> int:
        return (
            min(100, round(100 * self.used_tokens / self.budget_tokens))
            if self.budget_tokens
            else 0
        )

    async def _ctx(self) -> tuple[EditorState, SessionState]:
        return await self.get_state(EditorState), await self.get_state(SessionState)

    @rx.event
    async def load(self):
        editor, auth = await self._ctx()
        if editor.project_id != self.project_id:
            self.project_id, self.conversation_id, self.messages = editor.project_id, "new", []
            self.pinned, self.parts, self.review_id = [], [], 0
        if not editor.project_id:
            return
        project_id = self.project_id

        def read_panel(user: User, session: Session) -> tuple[list, list[dict[str, str]]]:
            listed = providers.list_providers(user, session=session)
            return listed, _conversation_rows(user, project_id, session)

        try:
            listed, self.conversations = await as_user(auth, read_panel)  # one session, one hop
            self._fill_providers(listed)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        yield AssistantState.preview

    def _fill_providers(self, listed: list) -> None:
        enabled = [p for p in listed if p.enabled]
        self.configured = bool(enabled)
        self.setup_message = "" if enabled else providers.NO_PROVIDER_MESSAGE
        self.providers = [
            {"id": str(p.id), "label": f"{p.name} · {p.default_model}"} for p in enabled
        ]
        if self.provider_choice not in {p["id"] for p in self.providers}:
            self.provider_choice = "auto"

    async def _list_conversations(self, auth: SessionState) -> list[dict[str, str]]:
        project_id = self.project_id
        return await as_user(auth, lambda u, s: _conversation_rows(u, project_id, s))

    @rx.event
    def set_provider_choice(self, value: str) -> None:
        self.provider_choice = value

    @rx.event
    async def set_budget(self, value: str):
        self.budget = value if value in BUDGETS else "Auto"
        return AssistantState.preview

    @rx.event
    def new_conversation(self):
        if self.streaming:
            return
        self.conversation_id, self.messages = "new", []
        return AssistantState.preview

    @rx.event
    async def open_conversation(self, value: str):
        if self.streaming or value == self.conversation_id:
            return
        if value == "new":
            yield AssistantState.new_conversation
            return
        self.conversation_id = value
        yield AssistantState.reload_messages

    @rx.event
    async def reload_messages(self):
        if self.conversation_id == "new":
            return
        _editor, auth = await self._ctx()
        project_id, conversation_id = self.project_id, self.conversation_id

        def read_history(user: User, session: Session) -> ConversationHistory:
            return history.conversation_history(
                user, project_id, int(conversation_id), session=session
            )

        try:
            found = await as_user(auth, read_history)
        except VibeError as exc:
            self.conversation_id, self.messages = "new", []
            yield rx.toast.error(exc.message)
            return
        shown = found.model_dump(mode="json")["messages"]
        self.messages = [message_row(m) for m in shown if m["status"] != "streaming"]

    @rx.event
    async def delete_conversation(self):
        if self.conversation_id == "new" or self.streaming:
            return
        _editor, auth = await self._ctx()
        project_id, conversation_id = self.project_id, self.conversation_id

        def delete_conversation(user: User, session: Session) -> list[dict[str, str]]:
            history.delete_conversation(user, project_id, int(conversation_id), session=session)
            return _conversation_rows(user, project_id, session)

        remaining = await as_user(auth, delete_conversation)
        self.conversation_id, self.messages = "new", []
        self.conversations = remaining

    # -- context ------------------------------------------------------------------------------
    @rx.event
    def toggle_pin(self, path: str):
        if path in self.pinned:
            self.pinned = [p for p in self.pinned if p != path]
        else:
            self.pinned = [*self.pinned, path][-20:]
        return AssistantState.preview

    def _context(self, active: str, cursor: dict[str, int] | None = None) -> dict[str, Any]:
        current = None
        if active:
            cursor = cursor or {}
            start, end = int(cursor.get("start") or 0), int(cursor.get("end") or 0)
            current = CurrentFile(
                path=active,
                cursor_line=int(cursor.get("line") or 0) or None,
                selection=Selection(start_line=start, end_line=end) if start and end else None,
            )
        return {
            "current_file": current,
            "pinned": self.pinned,
            "budget_tokens": BUDGETS.get(self.budget),
        }

    @rx.event
    async def preview(self):
        editor, auth = await self._ctx()
        if not self.project_id or self.streaming:
            return
        project_id, context = self.project_id, self._context(editor.active)

        def preview_context(user: User, session: Session) -> ContextReport:
            request = ContextRequest(**context)
            return service.preview_context(user, project_id, request, session=session)

        try:
            report = await as_user(auth, preview_context)
        except VibeError:
            return
        self._show_report(report.model_dump())

    def _show_report(self, report: dict[str, Any]) -> None:
        self.parts = [part_row(p) for p in report["parts"]]
        self.used_tokens, self.budget_tokens = report["used_tokens"], report["budget_tokens"]
        self.graph_status = report.get("graph") or ""

    # -- chat ---------------------------------------------------------------------------------
    @rx.event
    def send(self, form: dict[str, Any]):
        text = str(form.get("message") or "").strip()
        if not text or self.streaming:
            return None
        self._question = text
        self.messages = [*self.messages, MessageRow(role="user", content=text)]
        self.streaming, self.stopping, self._message_id = True, False, 0
        self.live_text, self.live_notes, self.live_status = "", [], "Preparing the context…"
        return rx.call_script(CURSOR_JS, callback=AssistantState.run_turn)

    @rx.event(background=True)
    async def run_turn(self, cursor: dict[str, int]):
        async with self:
            editor, auth = await self._ctx()
            chosen = self.conversation_id, self.provider_choice
            request = ChatRequest(
                message=self._question,
                conversation_id=None if chosen[0] == "new" else int(chosen[0]),
                provider_id=None if chosen[1] == "auto" else int(chosen[1]),
                **self._context(editor.active, cursor),
            )
            project_id = self.project_id
        try:
            turn = await as_user(
                auth, lambda u, s: service.start_chat(u, project_id, request, session=s)
            )
        except VibeError as exc:
            async with self:
                self._finish_failed(exc.message)
            return
        done = await self._consume(turn)
        pending = [p["id"] for p in done.get("proposals", []) if p["status"] == "pending"]
        yield AssistantState.refresh_conversations
        if pending:
            yield AssistantState.open_review(pending[0])

    async def _consume(self, turn: service.ChatTurn) -> dict[str, Any]:
        """Run the turn; text is shown at most every FLUSH_SECONDS, and at once when it stalls."""
        events = turn.events().__aiter__()
        buffer: list[str] = []
        flushed, done = 0.0, {}
        while True:
            step = asyncio.ensure_future(events.__anext__())
            while not step.done():
                ready, _ = await asyncio.wait({step}, timeout=FLUSH_SECONDS if buffer else None)
                if buffer and (not ready or time.monotonic() - flushed >= FLUSH_SECONDS):
                    async with self:
                        self.live_text += "".join(buffer)
                    buffer.clear()
                    flushed = time.monotonic()
            try:
                event = step.result()
            except StopAsyncIteration:
                return done
            if event.type == "delta":
                buffer.append(event.data["text"])
                continue
            async with self:
                self.live_text += "".join(buffer)
                self._on_event(event.type, event.data)
            buffer.clear()
            done = event.data if event.type == "done" else done

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "start":
            self._message_id = data["message_id"]
            self.conversation_id = str(data["conversation_id"])
            if self.conversation_id not in {c["id"] for c in self.conversations}:
                title = " ".join(self._question.split())[:80]
                self.conversations = [
                    {"id": self.conversation_id, "title": title},
                    *self.conversations,
                ]
            self._show_report(data["context"])
            self.live_status = "Waiting for the provider…"
        elif kind == "provider":
            self.live_status = f"{data['name']} · {data['model']}"
        elif kind == "provider_failed":
            note = f"{data['provider']} ({data['model']}): {data['error']}; trying the next one"
            self.live_notes = [*self.live_notes, note]
        elif kind == "done":
            self.messages = [*self.messages, message_row(data)]
            self.streaming = self.stopping = False
            self.live_text, self.live_status, self.live_notes = "", "", []

    def _finish_failed(self, message: str) -> None:
        self.messages = [*self.messages, MessageRow(status="failed", error=message)]
        self.streaming = self.stopping = False
        self.live_text, self.live_status, self.live_notes = "", "", []

    @rx.event
    async def refresh_conversations(self):
        _editor, auth = await self._ctx()
        self.conversations = await self._list_conversations(auth)

    @rx.event
    async def stop(self):
        if not self.streaming or not self._message_id:
            return
        self.stopping = True
        _editor, auth = await self._ctx()
        project_id, message_id = self.project_id, self._message_id

        def request_stop(user: User, session: Session) -> None:
            service.request_stop(user, project_id, message_id, session=session)

        try:
            await as_user(auth, request_stop)
        except VibeError as exc:
            yield rx.toast.error(exc.message)

    # -- proposals ----------------------------------------------------------------------------
    @rx.event
    async def open_review(self, proposal_id: int):
        _editor, auth = await self._ctx()
        project_id = self.project_id

        def read_proposal(user: User, session: Session) -> review.ReviewTexts:
            return review.proposal_texts(user, project_id, proposal_id, session=session)

        try:
            shown = await as_user(auth, read_proposal)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self.review_id, self.review_path, self.review_status = (
            shown.proposal_id,
            shown.path,
            shown.status,
        )
        self.review_original, self.review_modified = shown.original, shown.modified
        self.review_note = shown.note

    @rx.event
    def close_review(self, _open: bool = False) -> None:
        self.review_id, self.review_original, self.review_modified = 0, "", ""

    @rx.event
    async def decide(self, action: str, item_id: int):
        """apply / reject a proposal, or undo an applied edit."""
        _editor, auth = await self._ctx()
        project_id = self.project_id
        try:
            path = await as_user(auth, lambda u, s: _decide(action, u, project_id, item_id, s))
        except VibeError as exc:
            self._note_problem(action, item_id, exc.message)
            yield rx.toast.error(exc.message)
            return
        if action != "reject":
            yield rx.call_script(RELOAD_OPEN_FILES)
        if self.review_id and action != "undo":
            self.close_review()
        done = {
            "apply": "Applied to",
            "reject": "Rejected the change to",
            "undo": "Undid the AI edit of",
        }
        yield rx.toast.success(f"{done[action]} {path}")
        yield AssistantState.reload_messages

    def _note_problem(self, action: str, item_id: int, message: str) -> None:
        def note(p: ProposalRow) -> ProposalRow:
            hit = p.applied_id == item_id if action == "undo" else p.id == item_id
            return dataclasses.replace(p, reason=message) if hit else p

        self.messages = [
            dataclasses.replace(m, proposals=[note(p) for p in m.proposals]) for m in self.messages
        ]
        if action != "undo" and self.review_id == item_id:
            self.review_note = message


def _conversation_rows(user: User, project_id: str, session: Session) -> list[dict[str, str]]:
    listed = history.list_conversations(user, project_id, session=session)
    return [{"id": str(c.id), "title": c.title or "Untitled"} for c in listed[:50]]


def _decide(action: str, user: User, project_id: str, item_id: int, session: Session) -> str:
    if action == "apply":
        return proposals.apply_proposal(user, project_id, item_id, session=session).path
    if action == "reject":
        return proposals.reject_proposal(user, project_id, item_id, session=session).path
    return proposals.undo_applied(user, project_id, item_id, session=session).path
