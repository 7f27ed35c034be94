"""Radix Themes' stylesheet with only the colour scales the app uses.

Reflex's Radix plugin links ``@radix-ui/themes/styles.css``: every one of Radix's 31 colour
scales, light and dark, ~130 KB of CSS the browser parses before it paints anything. Radix ships
the same stylesheet in parts (base tokens, one file per scale, components, utilities) for this
purpose; the app uses seven scales. ``tests/ui/test_radix.py`` fails when a page starts using a
scale that is not listed here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from vibe.ui.theme import theme_kwargs

# The theme's accent and gray, Radix's "gray" (color_scheme="gray"), and the status colours.
COLORS = tuple(
    dict.fromkeys(
        (
            theme_kwargs["accent_color"],
            theme_kwargs["gray_color"],
            "gray",
            "red",
            "green",
            "amber",
            "blue",
        )
    )
)
_THEMES = "@radix-ui/themes"


@dataclasses.dataclass
class RadixColorsPlugin(rx.plugins.RadixThemesPlugin):
    """Reflex's Radix Themes plugin, linking the stylesheet's parts for :data:`COLORS` only."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not super().get_stylesheet_paths(**context):
            return ()
        # In tokens.css' order: the scales, then the base tokens, whose theme settings (the
        # theme's gray is slate: ``--gray-1: var(--slate-1)``) must win over gray.css's values.
        return (
            *(f"{_THEMES}/tokens/colors/{color}.css" for color in COLORS),
            f"{_THEMES}/tokens/base.css",
            f"{_THEMES}/components.css",
            f"{_THEMES}/utilities.css",
        )
