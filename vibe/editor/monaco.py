"""Monaco, bundled from npm: the file editor and the read-only diff view as Reflex components.

The JavaScript lives in ``monaco.js`` and ``drop_upload.js`` (the file tree's drop upload, which
the editor installs) next to this module and is inserted into the page that uses the components
(Reflex custom code), so its bare imports (``monaco-editor``, the ``?worker``
entries) resolve against the app's own ``node_modules`` and Vite bundles every worker: the
browser never asks a CDN for anything. Monaco is imported lazily on the client only, so the
server-side prerender never touches ``window``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import reflex as rx
from reflex.event import passthrough_event_spec
from reflex.utils.imports import ImportVar

MONACO_REACT = "@monaco-editor/react@4.7.0"
MONACO_EDITOR = "monaco-editor@0.52.2"
SOURCES = [Path(__file__).with_name(name) for name in ("monaco.js", "drop_upload.js")]


@functools.cache
def _source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)


class _MonacoBase(rx.Component):
    """Shared imports and module code of both components (deduplicated per page)."""

    lib_dependencies: list[str] = [MONACO_EDITOR]

    def add_imports(self) -> dict[str, list[ImportVar]]:
        return {
            "react": [ImportVar(tag=t) for t in ("useState", "useEffect", "useRef", "useCallback")],
            MONACO_REACT: [
                ImportVar(tag="VibeMonacoEditor", is_default=True),
                ImportVar(tag="DiffEditor", alias="VibeMonacoDiffEditor"),
                ImportVar(tag="loader", alias="vibeMonacoLoader"),
            ],
        }

    def add_custom_code(self) -> list[str]:
        return [_source()]


class FileEditor(_MonacoBase):
    """The editor of the active file: loads, saves and keeps drafts itself through the API."""

    tag = "VibeEditor"

    project_id: rx.Var[str]
    path: rx.Var[str]
    read_only: rx.Var[bool]
    reveal_path: rx.Var[str]
    reveal_line: rx.Var[int]
    reveal_nonce: rx.Var[int]

    on_dirty: rx.EventHandler[passthrough_event_spec(str, bool)]
    on_saved: rx.EventHandler[passthrough_event_spec(str)]
    on_error: rx.EventHandler[passthrough_event_spec(str)]
    on_drafts: rx.EventHandler[passthrough_event_spec(list[str])]
    on_quick_open: rx.EventHandler[lambda: []]
    on_search: rx.EventHandler[lambda: []]
    on_open_at: rx.EventHandler[passthrough_event_spec(str, int)]
    on_tree_changed: rx.EventHandler[lambda: []]


class DiffView(_MonacoBase):
    """A read-only side-by-side diff of two texts (the git panel's compare view)."""

    tag = "VibeDiff"

    original: rx.Var[str]
    modified: rx.Var[str]
    path: rx.Var[str]


file_editor = FileEditor.create
diff_view = DiffView.create
