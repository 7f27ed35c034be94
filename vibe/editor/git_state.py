"""The git panel: changes with a diff of the selected file, commit, history, revert, branches,
remote, push and pull. Remote work runs in background events so the page stays responsive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from vibe.auth.state import SessionState
from vibe.core.errors import VibeError
from vibe.editor import git_service as g
from vibe.editor.state import EditorState
from vibe.projects import service
from vibe.projects.models import Role
from vibe.projects.state import time_ago

RELOAD_OPEN_FILES = "window.vibeEditor && window.vibeEditor.reloadClean()"


class GitState(rx.State):
    changes: list[dict[str, str]] = []
    branch: str = ""
    branches: list[str] = []
    commits: list[dict[str, str]] = []
    remote: str = ""
    message: str = ""
    diff_path: str = ""
    diff_original: str = ""  # one file at a time, capped by git_service.MAX_DIFF_BYTES
    diff_modified: str = ""
    diff_note: str = ""
    busy: str = ""  # which action is running
    new_branch: str = ""

    async def _run(self, need: Role, action: Callable[..., Any]) -> Any:
        editor = await self.get_state(EditorState)
        auth = await self.get_state(SessionState)
        with editor._access(auth, need) as (ws, access, session, user):
            result = action(ws, service.author_for(user))
            if need != Role.viewer:
                service.touch_project(access.project, session=session)
                editor._fill_tree(ws)
            self._fill(ws.root)
            return result

    def _fill(self, root) -> None:  # type: ignore[no-untyped-def]
        self.changes = [{"path": c.path, "status": c.status} for c in g.changes(root)]
        info = g.branches(root)
        self.branch, self.branches = info.current, info.names
        self.remote = g.get_remote(root)
        self.commits = [
            {
                "sha": c.sha[:8],
                "message": c.message,
                "author": c.author,
                "when": time_ago(c.committed_at),
            }
            for c in g.history(root, limit=30)
        ]

    @rx.event
    async def refresh(self):
        try:
            await self._run(Role.viewer, lambda ws, _a: None)
        except VibeError as exc:
            yield rx.toast.error(exc.message)

    @rx.event
    async def show_diff(self, path: str):
        try:
            diff = await self._run(Role.viewer, lambda ws, _a: g.file_diff(ws.root, path))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self.diff_path = path
        self.diff_original, self.diff_modified = diff.original, diff.modified
        self.diff_note = (
            "Binary file: no text diff."
            if diff.binary
            else "Too large to compare here."
            if diff.too_large
            else ""
        )

    @rx.event
    def close_diff(self, _open: bool = False) -> None:
        self.diff_path, self.diff_original, self.diff_modified = "", "", ""

    @rx.event
    def set_message(self, value: str) -> None:
        self.message = value

    @rx.event
    async def commit(self, form: dict[str, str]):
        text = form.get("message", "")
        try:
            sha = await self._run(Role.editor, lambda ws, a: g.commit(ws.root, text, author=a))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self.message = ""
        yield rx.toast.success(f"Committed {sha[:8]}")

    @rx.event
    async def revert(self, path: str):
        try:
            await self._run(Role.editor, lambda ws, a: g.revert_file(ws, path, author=a))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self.close_diff()
        yield rx.call_script(RELOAD_OPEN_FILES)
        yield rx.toast.success(f"Reverted {path}")

    @rx.event
    async def switch(self, name: str):
        try:
            await self._run(Role.editor, lambda ws, _a: g.switch_branch(ws.root, name))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.call_script(RELOAD_OPEN_FILES)
        yield rx.toast.success(f"Switched to {name}")

    @rx.event
    async def create_branch(self, form: dict[str, str]):
        name = form.get("branch", "")
        try:
            await self._run(Role.editor, lambda ws, _a: g.create_branch(ws.root, name))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.toast.success(f"Created and switched to {name.strip()}")

    @rx.event
    async def save_remote(self, form: dict[str, str]):
        url = form.get("remote", "")
        try:
            await self._run(Role.owner, lambda ws, _a: g.set_remote(ws.root, url))
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.toast.success("Remote saved")

    @rx.event(background=True)
    async def sync(self, direction: str):
        async with self:
            self.busy = direction
        try:
            async with self:
                editor = await self.get_state(EditorState)
                auth = await self.get_state(SessionState)
                with editor._access(auth, Role.editor) as (ws, _access, _session, user):
                    root, author = ws.root, service.author_for(user)
            if direction == "push":
                await asyncio.to_thread(g.push, root)
            else:
                await asyncio.to_thread(g.pull, root, author=author)
        except (VibeError, g.GitError) as exc:
            async with self:
                self.busy = ""
            yield rx.toast.error(getattr(exc, "message", str(exc)))
            return
        async with self:
            self.busy = ""
            editor = await self.get_state(EditorState)
            with editor._workspace(auth) as ws:
                editor._fill_tree(ws)
                self._fill(ws.root)
        yield rx.call_script(RELOAD_OPEN_FILES)
        yield rx.toast.success("Pushed" if direction == "push" else "Pulled and merged")
