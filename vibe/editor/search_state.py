"""The search panel: runs the search service off the event loop and lists hits by file."""

from __future__ import annotations

import asyncio

import reflex as rx

from vibe.auth.state import SessionState
from vibe.core.errors import VibeError
from vibe.editor.search import SearchResult, search_workspace
from vibe.editor.state import EditorState
from vibe.projects.models import Role


def summary(result: SearchResult) -> str:
    hits, files = len(result.hits), result.files_matched
    text = f"{hits} result{'s' if hits != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    return text + (" (stopped at a limit; narrow the search)" if result.truncated else "")


class SearchState(rx.State):
    query: str = ""
    regex: bool = False
    case_sensitive: bool = False
    include: str = ""
    exclude: str = ""
    results: list[dict[str, str]] = []
    message: str = ""
    searching: bool = False

    @rx.event
    def set_regex(self, value: bool) -> None:
        self.regex = value

    @rx.event
    def set_case_sensitive(self, value: bool) -> None:
        self.case_sensitive = value

    @rx.event
    async def run(self, form: dict[str, str]):
        self.query = form.get("query", "")
        self.include, self.exclude = form.get("include", ""), form.get("exclude", "")
        self.searching, self.message = True, ""
        yield
        editor = await self.get_state(EditorState)
        auth = await self.get_state(SessionState)
        try:
            root = await editor._access_off_loop(auth, Role.viewer, lambda ws, *_: ws.root)
            result = await asyncio.to_thread(
                search_workspace,
                root,
                self.query,
                regex=self.regex,
                case_sensitive=self.case_sensitive,
                include=self.include,
                exclude=self.exclude,
            )
        except VibeError as exc:
            self.results, self.message = [], exc.message
            return
        finally:
            self.searching = False
        self.results = [
            {
                "path": h.path,
                "line": str(h.line),
                "where": f"{h.path}:{h.line}",
                "preview": h.preview.strip(),
            }
            for h in result.hits
        ]
        self.message = summary(result)
