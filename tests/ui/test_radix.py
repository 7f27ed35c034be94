"""Only the Radix colour scales the pages use are linked, and every scale they use is."""

from __future__ import annotations

import re
from pathlib import Path

import reflex as rx

from vibe.ui.radix import COLORS, RadixColorsPlugin

ROOT = Path(__file__).resolve().parents[2]
_SCALES = (
    "tomato|red|ruby|crimson|pink|plum|purple|violet|iris|indigo|blue|cyan|teal|jade|green|grass|"
    "brown|orange|sky|mint|lime|yellow|amber|gold|bronze|gray|mauve|slate|sage|olive|sand"
)
# A scale named as a colour scheme or a theme colour in Python, or as a CSS variable anywhere.
_PY_NAME = re.compile(rf"""["']({_SCALES})["']""")
_CSS_VAR = re.compile(rf"var\(--({_SCALES})-a?\d+\)")
_COLOR_CONTEXT = re.compile(r"color|COLOR|scheme")


def _used_scales() -> set[str]:
    used: set[str] = set()
    for path in (ROOT / "vibe").rglob("*"):
        if path.suffix not in (".py", ".js", ".jsx", ".css"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            used.update(_CSS_VAR.findall(line))
            if path.suffix == ".py" and _COLOR_CONTEXT.search(line):
                used.update(_PY_NAME.findall(line))
    return used


def test_every_scale_the_pages_use_is_linked():
    assert _used_scales() <= set(COLORS)


def test_the_stylesheet_parts_replace_the_whole_stylesheet():
    sheets = RadixColorsPlugin(theme=rx.theme()).get_stylesheet_paths()
    assert "@radix-ui/themes/styles.css" not in sheets
    # tokens.css' order: base.css maps --gray-* to the theme's gray and must come after gray.css.
    assert sheets[-3:] == (
        "@radix-ui/themes/tokens/base.css",
        "@radix-ui/themes/components.css",
        "@radix-ui/themes/utilities.css",
    )
    assert {s.rsplit("/", 1)[-1].removesuffix(".css") for s in sheets[:-3]} == set(COLORS)


def test_nothing_is_linked_while_radix_is_unused():
    assert RadixColorsPlugin.create_implicit().get_stylesheet_paths() == ()
