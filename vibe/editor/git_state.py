"""The git panel: changes with a diff of the selected file, commit, history, revert, branches,
remote, push and pull. Push and pull are jobs (vibe/editor/jobs.py): the panel starts one and
follows its progress from a background event, so the page stays responsive and can cancel it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from vibe.auth.models import User
from vibe.auth.state import SessionState, as_user
from vibe.core.db import session_scope
from vibe.core.errors import VibeError
from vibe.editor import git_service as g
from vibe.editor import jobs as remote_jobs
from vibe.editor.state import EditorState
from vibe.jobs import service as jobs_service
from vibe.jobs.models import JobStatus
from vibe.projects import service
from vibe.projects.models import Role
from vibe.projects.service import Access
from vibe.projects.state import time_ago
from vibe.projects.workspace import Workspace
from vibe.ui import routes

RELOAD_OPEN_FILES = "window.vibeEditor && window.vibeEditor.reloadClean()"
FOLLOW_SECONDS = 0.25  # how often the panel reads a running push/pull job


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
    busy: str = ""  # which remote action (push, pull) is running
    sync_job: str = ""
    sync_progress: int = 0  # percent
    sync_message: str = ""
    new_branch: str = ""

    async def _run(self, need: Role, action: Callable[..., Any]) -> Any:
        """A git action, then the panel (and the tree, after a change) refreshed; off the loop."""
        editor = await self.get_state(EditorState)

        def work(ws: Workspace, access: Access, session: Session, user: User) -> Any:
            result = action(ws, service.author_for(user))
            if need != Role.viewer:
                service.touch_project(access.project, session=session)
                editor._fill_tree(ws)
            self._fill(ws.root)
            return result

        return await editor._access_off_loop(await self.get_state(SessionState), need, work)

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
        auth = await self.get_state(SessionState)
        try:
            local = await as_user(auth, lambda user, _s: remote_jobs.may_use_local_remotes(user))
            await self._run(
                Role.owner, lambda ws, _a: g.set_remote(ws.root, url, allow_local=local)
            )
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        yield rx.toast.success("Remote saved")

    @rx.event(background=True)
    async def sync(self, direction: str):
        """Start a push or pull job, then follow its progress until it ends."""
        async with self:
            started = await self._start(direction)
        if isinstance(started, str):
            if started:
                yield rx.toast.error(started)
            return
        job = await self._follow(*started)
        async with self:
            await self._finish()
        yield _outcome(direction, job)

    async def _start(self, direction: str) -> tuple[str, int] | str:
        """Queue the job (under the state lock): its id and the user's, or why it did not start."""
        if self.busy:
            return ""
        editor = await self.get_state(EditorState)
        auth = await self.get_state(SessionState)
        ref = editor.project_id or routes.slug_in(editor.router.url.path)

        def queue(user: User, session: Session) -> tuple[str, int]:
            return remote_jobs.start_sync(user, ref, direction, session=session), user.id or 0

        try:
            job_id, user_id = await as_user(auth, queue)
        except VibeError as exc:
            return exc.message
        self.busy, self.sync_job = direction, job_id
        self.sync_progress, self.sync_message = 0, "queued"
        return job_id, user_id

    async def _follow(self, job_id: str, user_id: int) -> dict[str, Any]:
        """Mirror the job's progress into the panel until it finishes; the finished job."""
        while True:
            try:
                job = await asyncio.to_thread(job_snapshot, job_id, user_id)
            except VibeError as exc:
                return {"status": JobStatus.failed.value, "error": exc.message, "message": ""}
            async with self:
                self.sync_progress = round(job["progress"] * 100)
                self.sync_message = job["message"]
            if JobStatus(job["status"]).finished:
                return job
            await asyncio.sleep(FOLLOW_SECONDS)

    async def _finish(self) -> None:
        """The remote work is over: the tree and the panel show the workspace as it is now."""
        self.busy, self.sync_job = "", ""
        editor = await self.get_state(EditorState)

        def refill(ws: Workspace, *_: Any) -> None:
            editor._fill_tree(ws)
            self._fill(ws.root)

        await editor._access_off_loop(await self.get_state(SessionState), Role.viewer, refill)

    @rx.event
    async def cancel_sync(self):
        auth = await self.get_state(SessionState)
        job_id = self.sync_job
        try:
            await as_user(
                auth,
                lambda user, session: jobs_service.cancel_job(job_id, session=session, user=user),
            )
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        self.sync_message = "cancelling…"


def job_snapshot(job_id: str, user_id: int) -> dict[str, Any]:
    """The fields of a job the git panel shows, read as the user who started it."""
    with session_scope() as session:
        user = session.get(User, user_id)
        job = jobs_service.get_job(job_id, session=session, user=user) if user else None
        if job is None:
            raise VibeError("the job is gone")
        return {k: getattr(job, k) for k in ("status", "progress", "message", "error")}


def _outcome(direction: str, job: dict[str, Any]) -> list[rx.event.EventSpec]:
    if job["status"] == JobStatus.succeeded.value:
        done = "Pushed" if direction == "push" else "Pulled and merged"
        return [rx.call_script(RELOAD_OPEN_FILES), rx.toast.success(done)]
    if job["status"] == JobStatus.cancelled.value:
        return [rx.toast.info(f"{direction.capitalize()} cancelled")]
    first = (job["error"] or job["message"] or "failed").splitlines()[0]
    return [rx.toast.error(first.split(": ", 1)[-1] if ": " in first else first)]
