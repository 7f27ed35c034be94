"""How the production build splits the frontend into files: fewer, larger shared chunks.

Vite gives every module that several routes share its own chunk, so the editor page asked for
~75 files at once: one per lucide icon and one per Radix Themes component, each a few hundred
bytes. Over HTTP/1.1 (six connections per host) the big ones, Monaco first, waited behind
them. This Reflex plugin adds chunk groups to the generated ``vite.config.js``: all icons in one
chunk, all Radix modules in another.

An icon named by a state var (``rx.icon(var)``) is drawn by lucide's DynamicIcon, which imports
every icon lazily; the icon group would then hold all of them, so the pages name their icons
statically (see ``vibe.editor.components.file_icon``).

It also keeps a build's file names the same when nothing changed. Reflex's state code imported
all of ``reflex.json``, which holds the time of the last run, into the context chunk, so every
start of ``vibe serve`` (which builds) gave that chunk, the root, every route and the manifest
new hashes, and a returning browser downloaded them all again. It needs only the version.
"""

from __future__ import annotations

import re
from typing import Any

import reflex as rx

VITE_CONFIG = "vite.config.js"
_ANCHOR = "groups: ["
CHUNK_GROUPS = """
            { name: "icons", test: /[\\\\/]node_modules[\\\\/]lucide-react[\\\\/]/ },
            { name: "radix", test: /[\\\\/]node_modules[\\\\/]@radix-ui[\\\\/]/ },"""


def add_chunk_groups(config_js: str) -> str:
    """``vite.config.js`` with our chunk groups first in Reflex's ``codeSplitting.groups``."""
    if CHUNK_GROUPS in config_js:
        return config_js
    if config_js.count(_ANCHOR) != 1:
        raise RuntimeError(f"{VITE_CONFIG}: no single '{_ANCHOR}' to add chunk groups to")
    return config_js.replace(_ANCHOR, _ANCHOR + CHUNK_GROUPS, 1)


STATE_JS = "utils/state.js"
_WHOLE_JSON = 'import reflexEnvironment from "$/reflex.json";'
_VERSION_ONLY = (
    'import { version as reflexVersion } from "$/reflex.json";\n'
    "const reflexEnvironment = { version: reflexVersion };"
)
_USE = re.compile(r"\breflexEnvironment\b(\.\w+)?")


def version_only(state_js: str) -> str:
    """Reflex's ``state.js`` importing only the version from ``reflex.json`` (Vite's JSON named
    export, so the rest of the file, timestamps included, stays out of the bundle)."""
    if _VERSION_ONLY in state_js:
        return state_js
    uses = {m.group(1) for m in _USE.finditer(state_js.replace(_WHOLE_JSON, ""))}
    if state_js.count(_WHOLE_JSON) != 1 or uses != {".version"}:
        raise RuntimeError(f"{STATE_JS}: reflex.json is no longer imported (or used) as expected")
    return state_js.replace(_WHOLE_JSON, _VERSION_ONLY, 1)


class ChunkGroupsPlugin(rx.plugins.Plugin):
    """Adds :data:`CHUNK_GROUPS` to the Vite config Reflex writes on every compile, and keeps
    ``reflex.json``'s timestamps out of the bundle."""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](VITE_CONFIG, add_chunk_groups)
        context["add_modify_task"](STATE_JS, version_only)
