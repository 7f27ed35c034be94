from __future__ import annotations

from vibe.editor.filetypes import icon_for
from vibe.editor.state import fuzzy_rank, parents, tab


def test_parents() -> None:
    assert parents("a/b/c.py") == ["a", "a/b"]
    assert parents("top.txt") == []


def test_fuzzy_rank_prefers_name_matches_and_refuses_missing_letters() -> None:
    assert fuzzy_rank("xyz", "src/main.py") is None
    by_name = fuzzy_rank("main", "src/main.py")
    by_path = fuzzy_rank("main", "m/a/i/n.txt")
    assert by_name is not None and by_path is not None and by_name < by_path
    assert fuzzy_rank("", "anything") is not None


def test_icons_and_tabs() -> None:
    assert icon_for("a/b.py") == "file-code"
    assert icon_for("x", "dir") == "folder"
    assert icon_for("Dockerfile") == "file-cog"
    assert icon_for("photo.PNG") == "file-image"
    assert icon_for("noext") == "file"
    assert tab("a/<b>.py", True) == {
        "path": "a/<b>.py",
        "name": "<b>.py",
        "icon": "file-code",
        "dirty": "1",
    }
