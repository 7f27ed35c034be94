"""The editor page's state: which project, its file tree, the open tabs and the active file.

File contents never live here: the Monaco component loads and saves them through the REST API.
This state holds names, flags and the tree (what the page shows) and calls the services.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from vibe.auth.models import User
from vibe.auth.state import SessionState, user_session
from vibe.core.errors import VibeError
from vibe.editor.access import project_workspace
from vibe.editor.filetypes import icon_for
from vibe.projects.models import Role
from vibe.projects.service import Access
from vibe.projects.tree import Entry
from vibe.projects.workspace import Workspace
from vibe.ui import routes

T = TypeVar("T")

QUICK_OPEN_LIMIT = 50


def parents(path: str) -> list[str]:
    """'a/b/c.py' -> ['a', 'a/b']."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def row(entry: Entry) -> dict[str, str]:
    return {
        "path": entry.path,
        "name": entry.name,
        "kind": entry.kind,
        "icon": icon_for(entry.path, entry.kind),
        "indent": f"{0.5 + entry.depth * 1}rem",
    }


def tab(path: str, dirty: bool = False) -> dict[str, str]:
    return {
        "path": path,
        "name": PurePosixPath(path).name,
        "icon": icon_for(path),
        "dirty": "1" if dirty else "",
    }


def fuzzy_rank(query: str, path: str) -> int | None:
    """Lower is better; None when the letters of ``query`` do not appear in order in ``path``."""
    q, p = query.lower().replace(" ", ""), path.lower()
    pos, gaps = -1, 0
    for ch in q:
        nxt = p.find(ch, pos + 1)
        if nxt < 0:
            return None
        gaps += nxt - pos - 1
        pos = nxt
    name_bonus = 0 if q and q in PurePosixPath(p).name else 50
    return gaps + name_bonus + len(p) // 10


class EditorState(rx.State):
    project_id: str = ""
    project_slug: str = ""
    project_name: str = ""
    role: str = ""
    settings_url: str = ""
    loading: bool = True
    missing: bool = False
    rows: list[dict[str, str]] = []
    collapsed: list[str] = []
    truncated: bool = False
    tabs: list[dict[str, str]] = []
    active: str = ""
    reveal_path: str = ""
    reveal_line: int = 0
    reveal_nonce: int = 0
    sidebar: str = "files"
    assistant_open: bool = False
    quick_open: bool = False
    quick_results: list[str] = []
    _entries: list[dict[str, str]] = []

    @rx.var
    def read_only(self) -> bool:
        return self.role == "viewer"

    @rx.var
    def dirty_count(self) -> int:
        return sum(1 for t in self.tabs if t["dirty"])

    @contextmanager
    def _access(
        self, auth: SessionState, need: Role = Role.viewer
    ) -> Iterator[tuple[Workspace, Access, Session, User]]:
        with user_session(auth) as (session, user):
            ref = self.project_id or routes.slug_in(self.router.url.path)
            ws, access = project_workspace(user, ref, session=session, need=need)
            yield ws, access, session, user

    async def _access_off_loop(
        self,
        auth: SessionState,
        need: Role,
        work: Callable[[Workspace, Access, Session, User], T],
    ) -> T:
        """``work`` inside :meth:`_access`, in a worker thread: git and the database block, and
        on the event loop they would stall every other user's page meanwhile. The handler
        holds this client's state lock, so nothing else touches the states ``work`` fills."""

        def run() -> T:
            with self._access(auth, need) as (ws, access, session, user):
                return work(ws, access, session, user)

        return await asyncio.to_thread(run)

    @rx.event
    async def load(self):
        slug = routes.slug_in(self.router.url.path)
        if slug != self.project_slug:
            self.project_id, self.tabs, self.active, self.collapsed = "", [], "", []
        self.loading, self.missing = True, False
        yield
        auth = await self.get_state(SessionState)

        def work(ws: Workspace, access: Access, _session: Session, _user: User) -> None:
            self._show(access)
            self._fill_tree(ws)  # a walk of the project's files: off the loop

        try:
            await self._access_off_loop(auth, Role.viewer, work)
        except VibeError as exc:
            self.missing = exc.status == 404
            if exc.status not in (401, 404):
                yield rx.toast.error(exc.message)
            return
        finally:
            self.loading = False
        target = self._linked_file()
        if target is not None:
            yield EditorState.open_at(*target)

    def _linked_file(self) -> tuple[str, int] | None:
        """``?file=<path>&line=<n>`` (links from the graph explorer): the file and line to show."""
        params = self.router.url.query_parameters
        path = str(params.get("file") or "").strip().lstrip("/")
        if not path:
            return None
        line = str(params.get("line") or "1")
        return path, int(line) if line.isdigit() and int(line) > 0 else 1

    def _show(self, access: Access) -> None:
        p = access.project
        self.project_id, self.project_slug, self.project_name = str(p.id), p.slug, p.name
        self.role = access.role.value
        self.settings_url = routes.project_settings(p.slug)

    def _fill_tree(self, ws: Workspace) -> None:
        listing = ws.tree()
        self._entries = [row(e) for e in listing.entries]
        self.truncated = listing.truncated
        known = {e["path"] for e in self._entries}
        self.collapsed = [c for c in self.collapsed if c in known]
        self._apply_collapsed()

    def _apply_collapsed(self) -> None:
        hidden = tuple(f"{c}/" for c in self.collapsed)
        self.rows = [e for e in self._entries if not e["path"].startswith(hidden)]

    @rx.event
    async def refresh_tree(self):
        auth = await self.get_state(SessionState)
        try:
            await self._access_off_loop(auth, Role.viewer, lambda ws, *_: self._fill_tree(ws))
        except VibeError as exc:
            yield rx.toast.error(exc.message)

    @rx.event
    def toggle_folder(self, path: str) -> None:
        if path in self.collapsed:
            self.collapsed = [c for c in self.collapsed if c != path]
        else:
            self.collapsed = [*self.collapsed, path]
        self._apply_collapsed()

    @rx.event
    def open_file(self, path: str):
        if not any(t["path"] == path for t in self.tabs):
            self.tabs = [*self.tabs, tab(path)]
        self.active = path
        self.quick_open = False
        opened = [c for c in self.collapsed if c not in parents(path)]
        if opened != self.collapsed:
            self.collapsed = opened
            self._apply_collapsed()
        return rx.call_script(
            f"document.querySelector('[data-tree-path=' + CSS.escape({json.dumps(path)}) + ']')"
            "?.scrollIntoView({block: 'nearest'})"
        )

    @rx.event
    def open_at(self, path: str, line: int):
        self.reveal_path, self.reveal_line = path, int(line)
        self.reveal_nonce += 1
        return EditorState.open_file(path)

    @rx.event
    def close_tab(self, path: str) -> None:
        index = next((i for i, t in enumerate(self.tabs) if t["path"] == path), -1)
        if index < 0:
            return
        self.tabs = [t for t in self.tabs if t["path"] != path]
        if self.active == path:
            neighbour = self.tabs[min(index, len(self.tabs) - 1)] if self.tabs else None
            self.active = neighbour["path"] if neighbour else ""

    def _rename_tabs(self, old: str, new: str) -> None:
        def moved(p: str) -> str:
            return new + p[len(old) :] if p == old or p.startswith(old + "/") else p

        self.tabs = [tab(moved(t["path"]), bool(t["dirty"])) for t in self.tabs]
        self.active = moved(self.active)

    def _drop_tabs(self, gone: str) -> None:
        self.tabs = [
            t for t in self.tabs if not (t["path"] == gone or t["path"].startswith(gone + "/"))
        ]
        if self.active not in {t["path"] for t in self.tabs}:
            self.active = self.tabs[-1]["path"] if self.tabs else ""

    @rx.event
    def set_dirty(self, path: str, dirty: bool) -> None:
        self.tabs = [tab(t["path"], dirty) if t["path"] == path else t for t in self.tabs]

    @rx.event
    def saved(self, path: str) -> None:
        self.set_dirty(path, False)

    @rx.event
    def editor_error(self, message: str):
        return rx.toast.error(message)

    @rx.event
    def restore_drafts(self, paths: list[str]) -> None:
        """Files with unsaved text kept by the browser come back as tabs after a reload."""
        for path in paths:
            if not any(t["path"] == path for t in self.tabs):
                self.tabs = [*self.tabs, tab(path, True)]
        if not self.active and self.tabs:
            self.active = self.tabs[0]["path"]

    @rx.event
    def show_sidebar(self, name: str) -> None:
        self.sidebar = name

    @rx.event
    def toggle_assistant(self) -> None:
        self.assistant_open = not self.assistant_open

    @rx.event
    def show_quick_open(self) -> None:
        self.quick_open = True
        self.quick_results = self._rank("")

    @rx.event
    def set_quick_open(self, value: bool) -> None:
        self.quick_open = value

    @rx.event
    def quick_query(self, query: str) -> None:
        self.quick_results = self._rank(query)

    @rx.event
    def quick_submit(self, form: dict[str, str]):
        results = self._rank(form.get("query", ""))
        if results:
            return EditorState.open_file(results[0])
        return None

    def _rank(self, query: str) -> list[str]:
        files = [e["path"] for e in self._entries if e["kind"] == "file"]
        scored = [(fuzzy_rank(query, p), p) for p in files]
        ranked = sorted((s, p) for s, p in scored if s is not None)
        return [p for _, p in ranked[:QUICK_OPEN_LIMIT]]
