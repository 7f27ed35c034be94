"""How the production build splits the frontend into files: fewer, larger shared chunks.

Vite gives every module that several routes share its own chunk, so the editor page asked for
~75 files at once: one per lucide icon and one per Radix Themes component, each a few hundred
bytes. Over HTTP/1.1 (six connections per host) the big ones, Monaco first, waited behind
them. This Reflex plugin adds chunk groups to the generated ``vite.config.js``: all icons in one
chunk, all Radix modules in another.

An icon named by a state var (``rx.icon(var)``) is drawn by lucide's DynamicIcon, which imports
every icon lazily; the icon group would then hold all of them, so the pages name their icons
statically (see ``vibe.editor.components.file_icon``).
"""

from __future__ import annotations

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


class ChunkGroupsPlugin(rx.plugins.Plugin):
    """Adds :data:`CHUNK_GROUPS` to the Vite config Reflex writes on every compile."""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](VITE_CONFIG, add_chunk_groups)
