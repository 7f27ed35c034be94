"""Context building: what goes in, the budget breakdown, truncation order and the graph hook."""

from __future__ import annotations

import sys

from vibe.assistant import context
from vibe.assistant.context import SYSTEM_PROMPT, build_context, estimate_tokens
from vibe.assistant.schemas import ContextRequest, CurrentFile, Selection

BIG = "".join(f"line_{i} = {i}  # some padding to make the file longer\n" for i in range(400))


def build(project, session, request, *, question="q?", history=None):
    return build_context(
        project.user, project.id, request, question=question, history=history or [], session=session
    )


def parts(built) -> dict:
    return {(p.kind, p.label.split(" ")[0]): p for p in built.report.parts}


def test_everything_fits_and_is_reported(project, session):
    project.ws.write("main.py", "import util\n\nprint(util.x)\n", base_version=None)
    project.ws.write("util.py", "x = 1\n", base_version=None)
    request = ContextRequest(
        current_file=CurrentFile(path="main.py", selection=Selection(start_line=3, end_line=3)),
        pinned=["util.py", "missing.py"],
        include_graph=False,
    )
    built = build(project, session, request, history=[("user", "before"), ("assistant", "ok")])
    report = built.report
    kinds = [p.kind for p in report.parts]
    assert kinds == [
        "instructions",
        "question",
        "selection",
        "current_file",
        "pinned",
        "history",
        "pinned",
    ]
    assert all(p.included for p in report.parts[:-1])
    assert report.parts[-1].note == "no file at 'missing.py'"
    assert report.used_tokens == sum(p.tokens for p in report.parts)
    assert report.used_tokens <= report.budget_tokens
    assert report.versions == {
        "main.py": project.ws.read("main.py").version,
        "util.py": project.ws.read("util.py").version,
    }
    assert [m["role"] for m in built.messages] == ["user", "assistant", "user"]
    last = built.messages[-1]["content"]
    assert "### selection in main.py (lines 3-3)" in last and "x = 1" in last
    assert built.system == SYSTEM_PROMPT


def test_budget_is_respected_lowest_priority_first(project, session):
    project.ws.write("big.py", BIG, base_version=None)
    project.ws.write("pinned.py", BIG, base_version=None)
    budget = estimate_tokens(SYSTEM_PROMPT) + 3000
    request = ContextRequest(
        current_file=CurrentFile(path="big.py", cursor_line=200),
        pinned=["pinned.py"],
        include_graph=False,
        budget_tokens=budget,
    )
    built = build(project, session, request, history=[("user", "old " * 2000), ("assistant", "a")])
    report = built.report
    assert report.used_tokens <= budget
    found = {p.kind: p for p in report.parts}
    assert found["current_file"].included and found["current_file"].truncated
    assert "lines" in found["current_file"].note and "of 400 shown" in found["current_file"].note
    assert not found["pinned"].included and found["pinned"].note.startswith("left out")
    assert not found["history"].included
    assert "line_200 = 200" in built.messages[-1]["content"]  # the window keeps the cursor


def test_history_keeps_the_newest_turns(project, session):
    turns = [
        ("user", "a" * 4000),
        ("assistant", "b" * 4000),
        ("user", "c" * 400),
        ("assistant", "d" * 400),
    ]
    budget = estimate_tokens(SYSTEM_PROMPT) + 300
    built = build(
        project, session, ContextRequest(budget_tokens=budget, include_graph=False), history=turns
    )
    assert [m["content"][0] for m in built.messages] == ["c", "d", "q"]
    (info,) = [p for p in built.report.parts if p.kind == "history"]
    assert info.truncated and info.note == "2 older message(s) left out"


def test_a_question_over_the_budget_is_refused(project, session):
    import pytest

    from vibe.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="budget"):
        build(project, session, ContextRequest(budget_tokens=500), question="x" * 100_000)


def test_graph_is_optional(project, session, monkeypatch):
    project.ws.write("main.py", "def f():\n    return 1\n", base_version=None)
    request = ContextRequest(current_file=CurrentFile(path="main.py", cursor_line=2))
    assert build(project, session, request).report.graph == "not indexed"
    monkeypatch.setitem(sys.modules, "vibe.graph.query", None)  # the graph package is absent
    built = build(project, session, request)
    assert built.report.graph == "unavailable"
    assert [p.kind for p in built.report.parts] == ["instructions", "question", "current_file"]


def test_graph_neighbourhood_of_the_symbol_at_the_cursor(project, session):
    from vibe.graph import service as graph_service

    project.ws.write("pkg/__init__.py", "", base_version=None)
    project.ws.write(
        "pkg/core.py",
        "def helper():\n    return 1\n\n\ndef main():\n    return helper()\n",
        base_version=None,
    )
    project.ws.write(
        "app.py",
        "from pkg.core import main\n\n\ndef run():\n    return main()\n",
        base_version=None,
    )
    row = graph_service.project_index(project.user, project.id, session=session)
    session.commit()
    graph_service.index_root(row, session=session)
    request = ContextRequest(current_file=CurrentFile(path="pkg/core.py", cursor_line=6))
    built = build(project, session, request)
    assert built.report.graph == "used"
    text = next(p for p in built.report.parts if p.kind == "graph")
    assert text.included
    content = built.messages[-1]["content"]
    assert "Symbol at the cursor: pkg.core.main" in content
    assert "Called by: app.run" in content and "Calls: pkg.core.helper" in content


def test_estimate_is_characters_over_four():
    assert context.estimate_tokens("") == 0
    assert context.estimate_tokens("abcd") == 1 and context.estimate_tokens("abcde") == 2
