"""File icons: the page bundles a closed set of icons, so every name icon_for gives is in it."""

from __future__ import annotations

import pytest

from vibe.editor import filetypes


@pytest.mark.parametrize(
    ("path", "kind"),
    [("src", "dir"), ("ln", "symlink"), ("a.py", "file"), ("README", "file"), ("Makefile", "file")]
    + [
        (f"x{suffix}", "file")
        for suffixes in filetypes.ICONS.values()
        for suffix in sorted(suffixes)
    ],
)
def test_every_icon_is_bundled(path, kind):
    assert filetypes.icon_for(path, kind) in filetypes.ALL_ICONS
