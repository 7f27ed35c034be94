"""File tree operations: new file or folder, rename/move, delete (after a confirmation), upload."""

from __future__ import annotations

import asyncio
import json
from pathlib import PurePosixPath

import reflex as rx
from sqlmodel import Session

from vibe.auth.models import User
from vibe.auth.state import SessionState
from vibe.core.errors import VibeError
from vibe.editor.state import EditorState
from vibe.projects import service
from vibe.projects.gitrepo import Author
from vibe.projects.models import Role
from vibe.projects.service import Access
from vibe.projects.workspace import Workspace

# The upload dialog's file input; not the toolbar button's id, both are on the page at once.
UPLOAD_ID = "upload-files"


def _writer(
    ws: Workspace, _access: Access, _session: Session, user: User
) -> tuple[Workspace, Author]:
    """The workspace to write to and the commit author, for an editor of the project."""
    return ws, service.author_for(user)


def _touch(_ws: Workspace, access: Access, session: Session, _user: User) -> None:
    """Mark the project as just changed (the project list sorts by it)."""
    service.touch_project(access.project, session=session)


def _forget(path: str, keep_draft: bool = False) -> rx.event.EventSpec:
    args = f"{json.dumps(path)}, {json.dumps(keep_draft)}"
    return rx.call_script(f"window.vibeEditor && window.vibeEditor.forget({args})")


class FileOpsState(rx.State):
    dialog_open: bool = False
    mode: str = "file"  # file | folder | rename
    target: str = ""  # the folder to create in, or the path being renamed
    value: str = ""
    error: str = ""
    busy: bool = False
    delete_target: str = ""
    delete_kind: str = ""

    @rx.var
    def dialog_title(self) -> str:
        return {"file": "New file", "folder": "New folder"}.get(self.mode, "Rename or move")

    @rx.event
    def start(self, mode: str, target: str) -> None:
        self.mode, self.target, self.error, self.dialog_open = mode, target, "", True
        self.value = target if mode == "rename" else (f"{target}/" if target else "")

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    async def submit(self, form: dict[str, str]):
        name = (form.get("name") or "").strip()
        self.busy = True
        yield
        editor = await self.get_state(EditorState)
        auth = await self.get_state(SessionState)
        mode, target = self.mode, self.target

        def work(ws: Workspace, access: Access, session: Session, user: User) -> str:
            author = service.author_for(user)
            if mode == "rename":
                done = ws.move(target, name, author=author)
            else:
                done = ws.create(name, kind=mode, author=author)
            service.touch_project(access.project, session=session)
            editor._fill_tree(ws)
            return done

        try:
            done = await editor._access_off_loop(auth, Role.editor, work)
        except VibeError as exc:
            self.error = exc.message
            return
        finally:
            self.busy = False
        self.dialog_open = False
        if self.mode == "rename":
            editor._rename_tabs(self.target, done)
            yield _forget(self.target)
            yield rx.toast.success(f"Renamed to {done}")
        elif self.mode == "file":
            yield EditorState.open_file(done)

    @rx.event
    def ask_delete(self, path: str, kind: str) -> None:
        self.delete_target, self.delete_kind = path, kind

    @rx.event
    def cancel_delete(self, _open: bool = False) -> None:
        self.delete_target = ""

    @rx.event
    async def confirm_delete(self):
        path = self.delete_target
        editor = await self.get_state(EditorState)
        auth = await self.get_state(SessionState)

        def work(ws: Workspace, access: Access, session: Session, user: User) -> None:
            ws.delete(path, author=service.author_for(user))
            service.touch_project(access.project, session=session)
            editor._fill_tree(ws)

        try:
            await editor._access_off_loop(auth, Role.editor, work)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
            return
        finally:
            self.delete_target = ""
        editor._drop_tabs(path)
        yield _forget(path)
        yield rx.toast.success(f"Deleted {PurePosixPath(path).name} (recoverable from history)")

    @rx.event
    async def upload(self, files: list[rx.UploadFile]):
        editor = await self.get_state(EditorState)
        auth = await self.get_state(SessionState)
        stored = []
        try:
            # The access check, like the writes below, off the event loop; no database
            # session stays open while the files are read.
            ws, author = await editor._access_off_loop(auth, Role.editor, _writer)
            for upload in files:
                data = await upload.read()
                name = upload.name or upload.filename or ""
                # A dropped folder arrives as relative paths: keep its structure.
                inner = upload.path.parent.as_posix() if upload.path else ""
                # Writing and committing block (git runs per file): in a worker thread,
                # so other users' pages do not wait for this upload.
                saved = await asyncio.to_thread(
                    ws.upload,
                    self.target,
                    name,
                    data,
                    author=author,
                    relative_dir="" if inner == "." else inner,
                )
                stored.append(saved.path)
            await editor._access_off_loop(auth, Role.editor, _touch)
            await asyncio.to_thread(editor._fill_tree, ws)
        except VibeError as exc:
            yield rx.toast.error(exc.message)
        if stored:
            yield rx.toast.success(f"Uploaded {len(stored)} file{'s' if len(stored) != 1 else ''}")
        yield rx.clear_selected_files(UPLOAD_ID)
