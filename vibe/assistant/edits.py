"""The edit format the model must answer in, its parser, and applying hunks to a file's text.

The format is SEARCH/REPLACE hunks inside a fenced block whose header names the file:

    ```edit path/to/file.py
    <<<<<<< SEARCH
    exact lines from the file
    =======
    the lines that replace them
    >>>>>>> REPLACE
    ```

A block without markers is the whole content of a *new* file. Everything here refuses rather
than guesses: a block the answer never closed (truncated output), placeholder text such as
"rest of the code unchanged", a SEARCH text that is not in the file exactly once, or a
whole-file block for a file that exists. This module is pure text; ``proposals`` stores and
applies the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EDIT_INSTRUCTIONS = """\
When you change files, answer with one fenced block per file, in exactly this format:

```edit path/relative/to/project.py
<<<<<<< SEARCH
lines copied exactly from the current file (enough of them to be unique)
=======
the new lines
>>>>>>> REPLACE
```

Rules:
- A block may hold several SEARCH/REPLACE hunks; they apply in order.
- SEARCH must match the file character for character, including indentation.
- To delete lines, leave the part after ======= empty.
- To create a new file, write its complete content in the block with no markers at all.
- Never write placeholders such as "... existing code ..." or "rest of the code unchanged":
  show only the lines you change, with SEARCH/REPLACE.
- If a file contains ``` lines, fence its block with ```` (four backticks) instead.
Explain briefly outside the blocks.
"""

_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*edit\s+(?P<path>\S+)\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[\w+.-]*\s*$")
_BARE_PATH = re.compile(r"^[`*]*(?P<path>[\w.\-/]+\.[\w]+|[\w.\-/]*/[\w.\-]+)[`*:]*\s*$")
_SEARCH = re.compile(r"^<{5,9} ?SEARCH\s*$")
_DIVIDER = re.compile(r"^={5,9}\s*$")
_REPLACE = re.compile(r"^>{5,9} ?REPLACE\s*$")
_COMMENT_OR_ELLIPSIS = re.compile(r"^\s*(#|//|/\*|\*|<!--|--|;|%|\"\"\"|''')|\.\.\.|…")
_PLACEHOLDER = re.compile(
    r"(\.\.\.|…)\s*(the\s+)?(existing|previous|original|rest|remaining|other|unchanged|same)\b"
    r"|\b(rest|remainder) of (the )?(code|file|function|class|method|module|implementation)\b"
    r"|\b(existing|previous|original|remaining|other)\s+(code|implementation|content|methods"
    r"|functions|logic|lines)\b.*\b(unchanged|here|as before|remains?|omitted|kept)\b"
    r"|\b(code|content|implementation)\b.*\b(remains|stays|is)\s+(unchanged|the same)\b"
    r"|\bunchanged\b.*(\.\.\.|…)"
    r"|^\s*(#|//|/\*|<!--|--|;|%)\s*(\.\.\.|…)\s*(\*/|-->)?\s*$",
    re.IGNORECASE,
)


class EditRefused(ValueError):
    """A change that cannot be applied as written; the message says which part and why."""


@dataclass(frozen=True)
class Hunk:
    search: str  # "" with a lone hunk: the complete content of a new file
    replace: str


@dataclass
class FileEdit:
    path: str
    hunks: list[Hunk] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def creates_file(self) -> bool:
        return len(self.hunks) == 1 and self.hunks[0].search == ""


@dataclass
class _Block:
    path: str
    fence: str
    hunks: list[Hunk] = field(default_factory=list)
    loose: list[str] = field(default_factory=list)
    search: list[str] | None = None
    replace: list[str] | None = None


def parse_edits(text: str) -> list[FileEdit]:
    """Every file block of an answer, in order; blocks for the same path are merged."""
    edits: dict[str, FileEdit] = {}
    lines = text.splitlines()
    block: _Block | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if block is None:
            block, skip = _opening(lines, i)
            i += skip or 1
            continue
        if _feed(block, line):
            _close(block, edits)
            block = None
        i += 1
    if block is not None:
        _close(block, edits, truncated=True)
    return list(edits.values())


def _opening(lines: list[str], i: int) -> tuple[_Block | None, int]:
    """A block starting at line i: ```edit path, or a bare path line then a fence + SEARCH."""
    match = _OPEN.match(lines[i])
    if match:
        return _Block(match["path"].strip("`"), match["fence"]), 1
    bare = _BARE_PATH.match(lines[i])
    fence = _FENCE.match(lines[i + 1]) if bare and i + 2 < len(lines) else None
    if bare and fence and _SEARCH.match(lines[i + 2]):
        return _Block(bare["path"], fence["fence"]), 2
    return None, 0


def _feed(block: _Block, line: str) -> bool:
    """Consume one line of a block; True when it closed the block."""
    if block.replace is not None:
        if _REPLACE.match(line):
            block.hunks.append(Hunk(_joined(block.search or []), _joined(block.replace)))
            block.search = block.replace = None
        else:
            block.replace.append(line)
    elif block.search is not None:
        if _DIVIDER.match(line):
            block.replace = []
        else:
            block.search.append(line)
    elif _SEARCH.match(line):
        block.search = []
    elif _closes(block.fence, line.strip()):
        return True
    else:
        block.loose.append(line)
    return False


def _closes(fence: str, stripped: str) -> bool:
    return bool(stripped) and set(stripped) == {fence[0]} and len(stripped) >= len(fence)


def _joined(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _close(block: _Block, edits: dict[str, FileEdit], *, truncated: bool = False) -> None:
    edit = edits.setdefault(block.path, FileEdit(block.path))
    if truncated:
        edit.problems.append(_truncation(block))
    loose = [ln for ln in block.loose if ln.strip()]
    if block.hunks and loose:
        edit.problems.append(
            f"the block for '{block.path}' has text outside its SEARCH/REPLACE markers "
            f"(first: {loose[0].strip()[:60]!r})"
        )
    elif not block.hunks and not truncated:
        edit.hunks.append(Hunk("", _joined(block.loose)))
    edit.hunks.extend(block.hunks)
    for n, hunk in enumerate(edit.hunks, 1):
        spot = placeholder(hunk)
        if spot and not any(spot in p for p in edit.problems):
            edit.problems.append(
                f"hunk {n} for '{block.path}' contains placeholder text instead of code: {spot!r}"
            )


def _truncation(block: _Block) -> str:
    n = len(block.hunks) + 1
    if block.replace is not None:
        where = f"hunk {n} has no >>>>>>> REPLACE line"
    elif block.search is not None:
        where = f"hunk {n} has no ======= line"
    else:
        where = f"the block was never closed with {block.fence}"
    return f"the answer was cut off inside the edit for '{block.path}' ({where}); nothing applied"


def placeholder(hunk: Hunk) -> str | None:
    """The first line of the replacement that stands in for code instead of being code."""
    kept = {ln.strip() for ln in hunk.search.splitlines()}
    for line in hunk.replace.splitlines():
        stripped = line.strip()
        if stripped in kept or not _COMMENT_OR_ELLIPSIS.search(line):
            continue
        if _PLACEHOLDER.search(line):
            return stripped[:80]
    return None


def apply_hunks(path: str, content: str | None, hunks: list[Hunk]) -> str:
    """The file's new text; ``content`` None means the file does not exist yet."""
    if not hunks:
        raise EditRefused(f"the edit for '{path}' has no changes")
    if len(hunks) == 1 and hunks[0].search == "":
        if content is not None:
            raise EditRefused(
                f"'{path}' already exists: a block without SEARCH/REPLACE markers can only create "
                "a new file; change existing files with SEARCH/REPLACE hunks"
            )
        return hunks[0].replace
    if content is None:
        raise EditRefused(f"'{path}' does not exist; a new file is written as a whole block")
    newline = "\r\n" if "\r\n" in content else "\n"
    missing_end = bool(content) and not content.endswith(newline)
    work = content + newline if missing_end else content
    for n, hunk in enumerate(hunks, 1):
        work = _apply_one(path, work, hunk, n, len(hunks), newline)
    if missing_end and work.endswith(newline):
        work = work[: -len(newline)]
    if work == content:
        raise EditRefused(f"the edit for '{path}' leaves the file unchanged")
    return work


def _apply_one(path: str, work: str, hunk: Hunk, n: int, total: int, newline: str) -> str:
    search = hunk.search.replace("\n", newline)
    which = f"hunk {n} of {total} for '{path}'"
    if not search.strip():
        raise EditRefused(f"{which} has an empty SEARCH part; say which lines to replace")
    starts = _line_starts(work, search)
    found = len(starts)
    first = hunk.search.strip().splitlines()[0][:60]
    if found == 0:
        hint = ""
        if _squash(hunk.search) in _squash(work):
            hint = " (it only matches if whitespace is ignored: SEARCH must be copied exactly)"
        raise EditRefused(
            f"{which} does not match the file: its SEARCH text starting "
            f"{first!r} is not in '{path}'{hint}"
        )
    if found > 1:
        raise EditRefused(
            f"{which} matches {found} places (starting {first!r}); "
            "it needs more surrounding lines to be unique"
        )
    at = starts[0]
    return work[:at] + hunk.replace.replace("\n", newline) + work[at + len(search) :]


def _line_starts(work: str, search: str) -> list[int]:
    """Where ``search`` occurs as whole lines (starting at a line start)."""
    found, at = [], work.find(search)
    while at != -1:
        if at == 0 or work[at - 1] == "\n":
            found.append(at)
        at = work.find(search, at + 1)
    return found


def _squash(text: str) -> str:
    return " ".join(text.split())
