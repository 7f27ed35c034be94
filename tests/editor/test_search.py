from __future__ import annotations

from pathlib import Path

import pytest

from vibe.core.errors import ValidationFailed
from vibe.editor.search import parse_globs, path_matches, search_workspace


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    files = {
        "app/main.py": "import os\n\ndef main():\n    return os.getcwd()  # TODO\n",
        "app/util.py": "def helper():\n    pass\n",
        "README.md": "# Demo\nSee main for the entry point. todo: docs\n",
        "node_modules/lib/index.js": "// TODO vendored\n",
        "data.bin": "TODO\x00binary",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_text_search_is_case_insensitive_and_skips_binaries(tree: Path) -> None:
    result = search_workspace(tree, "todo")
    found = {(h.path, h.line) for h in result.hits}
    assert found == {("README.md", 2), ("app/main.py", 4), ("node_modules/lib/index.js", 1)}


def test_hit_carries_line_column_and_preview(tree: Path) -> None:
    hit = search_workspace(tree, "getcwd").hits[0]
    assert (hit.path, hit.line, hit.column) == ("app/main.py", 4, 15)
    assert hit.preview == "    return os.getcwd()  # TODO"


def test_case_sensitive(tree: Path) -> None:
    result = search_workspace(tree, "TODO", case_sensitive=True)
    assert {h.path for h in result.hits} == {"app/main.py", "node_modules/lib/index.js"}


def test_regex(tree: Path) -> None:
    result = search_workspace(tree, r"def \w+\(\)", regex=True)
    assert [(h.path, h.line) for h in result.hits] == [("app/main.py", 3), ("app/util.py", 1)]


def test_plain_text_treats_regex_characters_literally(tree: Path) -> None:
    assert search_workspace(tree, "main()").hits[0].path == "app/main.py"
    assert search_workspace(tree, "def .*").hits == []


def test_include_and_exclude_globs(tree: Path) -> None:
    only_py = search_workspace(tree, "todo", include="*.py")
    assert {h.path for h in only_py.hits} == {"app/main.py"}
    no_vendor = search_workspace(tree, "todo", exclude="node_modules, *.md")
    assert {h.path for h in no_vendor.hits} == {"app/main.py"}
    nested = search_workspace(tree, "def", include="app/**")
    assert {h.path for h in nested.hits} == {"app/main.py", "app/util.py"}


def test_hit_limit_marks_truncated(tree: Path) -> None:
    result = search_workspace(tree, "o", max_hits=2)
    assert len(result.hits) == 2
    assert result.truncated


def test_bad_queries_are_refused(tree: Path) -> None:
    with pytest.raises(ValidationFailed, match="regular expression"):
        search_workspace(tree, "(unclosed", regex=True)
    with pytest.raises(ValidationFailed):
        search_workspace(tree, "")


def test_symlinks_are_not_followed(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("TODO secret\n")
    (tree / "link").symlink_to(outside)
    assert all("secret" not in h.preview for h in search_workspace(tree, "todo").hits)


def test_globs() -> None:
    pats = parse_globs("*.py, build/")
    assert path_matches("a/b/c.py", pats)
    assert path_matches("build/x/y.txt", pats)
    assert not path_matches("a/build.txt", pats)
