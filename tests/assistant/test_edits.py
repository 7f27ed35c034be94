"""The edit format: parsing answers into per-file hunks and applying them exactly, or refusing."""

from __future__ import annotations

import pytest

from vibe.assistant.edits import EditRefused, Hunk, apply_hunks, parse_edits

ORIGINAL = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


def block(path: str, search: str, replace: str, fence: str = "```") -> str:
    return (
        f"{fence}edit {path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n{fence}\n"
    )


def test_parses_blocks_per_file_and_merges_the_same_path():
    answer = (
        "Two changes:\n\n"
        + block("calc.py", "    return a + b\n", "    return b + a\n")
        + "\nand\n\n"
        + block("calc.py", "    return a - b\n", "    return -(b - a)\n")
        + "```edit docs/new.md\n# New\n\ntext\n```\n"
    )
    edits = parse_edits(answer)
    assert [e.path for e in edits] == ["calc.py", "docs/new.md"]
    assert len(edits[0].hunks) == 2 and not edits[0].problems
    assert edits[1].creates_file and edits[1].hunks[0].replace == "# New\n\ntext\n"
    new = apply_hunks("calc.py", ORIGINAL, edits[0].hunks)
    assert "return b + a" in new and "return -(b - a)" in new


def test_accepts_the_bare_path_then_fence_form_and_ignores_plain_code_blocks():
    answer = (
        "```python\nprint('just an example')\n```\n\ncalc.py\n```python\n<<<<<<< SEARCH\n"
        "    return a + b\n=======\n    return a + b + 0\n>>>>>>> REPLACE\n```\n"
    )
    (edit,) = parse_edits(answer)
    assert edit.path == "calc.py" and edit.hunks == [
        Hunk("    return a + b\n", "    return a + b + 0\n")
    ]


def test_fence_lines_inside_hunks_are_content():
    readme = "# Title\n```\ncode\n```\n"
    answer = block("README.md", "code\n```\n", "more code\n```\n", fence="````")
    (edit,) = parse_edits(answer)
    assert apply_hunks("README.md", readme, edit.hunks) == "# Title\n```\nmore code\n```\n"


@pytest.mark.parametrize(
    "cut",
    [
        "```edit calc.py\n<<<<<<< SEARCH\n    return a + b\n",
        "```edit calc.py\n<<<<<<< SEARCH\n    return a + b\n=======\n    return a",
        "```edit calc.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n",
        "```edit new_file.py\nprint('half of a new file')\n",
    ],
)
def test_truncated_output_is_refused(cut):
    (edit,) = parse_edits("Sure:\n" + cut)
    assert edit.problems and "cut off" in edit.problems[0]


@pytest.mark.parametrize(
    "line",
    [
        "    # ... rest of code unchanged",
        "    // ...existing code...",
        "    # Rest of the function stays the same",
        "    # ...",
        "    <!-- ... -->",
        "    # remaining methods unchanged ...",
    ],
)
def test_placeholders_are_refused(line):
    (edit,) = parse_edits(block("calc.py", "    return a + b\n", f"    return b + a\n{line}\n"))
    assert edit.problems and "placeholder" in edit.problems[0]


def test_placeholder_text_that_was_already_in_the_file_is_fine():
    search = "    # ... existing code ...\n    return a + b\n"
    (edit,) = parse_edits(block("calc.py", search, "    # ... existing code ...\n    return 0\n"))
    assert edit.problems == []


def test_text_between_hunks_is_refused():
    answer = (
        "```edit calc.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n"
        "and also change sub\n```\n"
    )
    (edit,) = parse_edits(answer)
    assert "outside its SEARCH/REPLACE markers" in edit.problems[0]


def test_a_hunk_that_does_not_match_says_which_one():
    hunks = [Hunk("    return a + b\n", "    return 1\n"), Hunk("    return a * b\n", "x\n")]
    with pytest.raises(EditRefused, match=r"hunk 2 of 2 for 'calc\.py' does not match"):
        apply_hunks("calc.py", ORIGINAL, hunks)


def test_whitespace_differences_are_named_not_forgiven():
    with pytest.raises(EditRefused, match="whitespace"):
        apply_hunks("calc.py", ORIGINAL, [Hunk("  return a + b\n", "  return 0\n")])


def test_ambiguous_search_is_refused():
    text = "x = 1\ny = 2\nx = 1\n"
    with pytest.raises(EditRefused, match="matches 2 places"):
        apply_hunks("f.py", text, [Hunk("x = 1\n", "x = 3\n")])


def test_whole_file_block_only_creates_new_files():
    with pytest.raises(EditRefused, match="already exists"):
        apply_hunks("calc.py", ORIGINAL, [Hunk("", "everything new\n")])
    assert apply_hunks("fresh.py", None, [Hunk("", "new\n")]) == "new\n"
    with pytest.raises(EditRefused, match="does not exist"):
        apply_hunks("gone.py", None, [Hunk("a\n", "b\n")])


def test_crlf_files_and_a_missing_final_newline_keep_their_shape():
    assert apply_hunks("w.txt", "a\r\nb\r\nc", [Hunk("b\nc\n", "B\nC\n")]) == "a\r\nB\r\nC"


def test_deleting_lines_and_no_op_edits():
    assert (
        apply_hunks("calc.py", ORIGINAL, [Hunk("\n\ndef sub(a, b):\n    return a - b\n", "")])
        == "def add(a, b):\n    return a + b\n"
    )
    with pytest.raises(EditRefused, match="unchanged"):
        apply_hunks("calc.py", ORIGINAL, [Hunk("    return a + b\n", "    return a + b\n")])
