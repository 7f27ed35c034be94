"""The explorer page's state helpers that need no running app."""

from __future__ import annotations

import pytest

from vibe.graph.engine.languages import GRAMMARS
from vibe.graph.explorer_state import code_language


@pytest.mark.parametrize(
    ("language", "expected"),
    [("python", "python"), ("tsx", "tsx"), ("c_sharp", "csharp"), ("", "text")],
)
def test_signatures_are_highlighted_in_their_own_language(language: str, expected: str) -> None:
    assert code_language(language) == expected


def test_every_indexed_language_has_a_highlighter_name() -> None:
    names = {code_language(name) for name in GRAMMARS}
    assert "c_sharp" not in names and len(names) == len(GRAMMARS)
