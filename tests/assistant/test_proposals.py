"""Edit proposals from real answers: apply as one versioned save, refuse, reject, undo."""

from __future__ import annotations

import pytest

from tests.assistant.conftest import collect
from vibe.assistant import proposals, service
from vibe.assistant.proposals import EditNotApplied
from vibe.assistant.schemas import ChatRequest, CurrentFile
from vibe.core.errors import Forbidden, NotFound
from vibe.projects import members
from vibe.projects.models import Role

CALC = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"


def edit(path: str, search: str, replace: str) -> str:
    return f"```edit {path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


@pytest.fixture
def answered(project, session, openai_server, add_provider):
    """Ask with calc.py open; the stand-in answers ``reply``; the stored proposals."""
    add_provider(project.user, openai_server, name="local")
    project.ws.write("calc.py", CALC, base_version=None)

    def _ask(reply: str) -> list[dict]:
        openai_server.script.add(reply)
        request = ChatRequest(message="fix it", current_file=CurrentFile(path="calc.py"))
        turn = service.start_chat(project.user, project.id, request, session=session)
        return collect(turn)[-1].data["proposals"]

    return _ask


def test_apply_is_one_versioned_save_and_undo_restores(project, session, answered):
    (proposal,) = answered(
        "Swap it:\n" + edit("calc.py", "    return a + b\n", "    return b + a\n")
    )
    base = project.ws.read("calc.py").version
    assert proposal["status"] == "pending" and proposal["base_version"] == base
    assert "-    return a + b\n+    return b + a" in proposal["diff"]
    commits = len(project.ws.history("calc.py"))
    applied = proposals.apply_proposal(project.user, project.id, proposal["id"], session=session)
    session.commit()
    assert "return b + a" in project.ws.read("calc.py").text
    assert applied.after_version == project.ws.read("calc.py").version
    assert len(project.ws.history("calc.py")) == commits + 1
    assert project.ws.history("calc.py")[0].message == "AI edit: calc.py"
    with pytest.raises(EditNotApplied, match="applied"):
        proposals.apply_proposal(project.user, project.id, proposal["id"], session=session)
    proposals.undo_applied(project.user, project.id, applied.id, session=session)
    session.commit()
    assert project.ws.read("calc.py").text == CALC
    assert project.ws.history("calc.py")[0].message == "Undo AI edit: calc.py"


def test_a_stale_base_is_refused_and_nothing_is_written(project, session, answered):
    (proposal,) = answered(edit("calc.py", "    return a + b\n", "    return b + a\n"))
    current = project.ws.read("calc.py")
    project.ws.write("calc.py", CALC + "# edited by hand\n", base_version=current.version)
    with pytest.raises(EditNotApplied, match="changed after the assistant read it"):
        proposals.apply_proposal(project.user, project.id, proposal["id"], session=session)
    assert project.ws.read("calc.py").text == CALC + "# edited by hand\n"


def test_placeholders_and_truncation_make_invalid_proposals(project, session, answered):
    placeholder = edit(
        "calc.py", "    return a + b\n", "    return b + a\n    # ... rest unchanged\n"
    )
    cut = "```edit calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return"
    first, second = answered(placeholder.replace("calc.py", "other.py") + cut)
    assert first["status"] == "invalid" and "placeholder" in first["reason"]
    assert second["status"] == "invalid" and "cut off" in second["reason"]
    for proposal in (first, second):
        with pytest.raises(EditNotApplied, match="invalid"):
            proposals.apply_proposal(project.user, project.id, proposal["id"], session=session)
    assert project.ws.read("calc.py").text == CALC


def test_a_hunk_that_does_not_match_names_it(project, session, answered):
    reply = (
        "```edit calc.py\n<<<<<<< SEARCH\n    return a + b\n=======\n    return 1\n"
        ">>>>>>> REPLACE\n<<<<<<< SEARCH\n    return a * b\n=======\n    return 2\n"
        ">>>>>>> REPLACE\n```\n"
    )
    (proposal,) = answered(reply)
    assert proposal["status"] == "invalid"
    assert "hunk 2 of 2 for 'calc.py' does not match" in proposal["reason"]


def test_new_file_then_undo_removes_it(project, session, answered):
    (proposal,) = answered("```edit pkg/util.py\ndef util():\n    return 42\n```\n")
    assert proposal["base_version"] is None and proposal["status"] == "pending"
    applied = proposals.apply_proposal(project.user, project.id, proposal["id"], session=session)
    session.commit()
    assert project.ws.read("pkg/util.py").text == "def util():\n    return 42\n"
    proposals.undo_applied(project.user, project.id, applied.id, session=session)
    session.commit()
    assert project.ws.current_version("pkg/util.py") is None


def test_undo_is_refused_when_the_file_changed_since(project, session, answered):
    (proposal,) = answered(edit("calc.py", "    return a + b\n", "    return b + a\n"))
    applied = proposals.apply_proposal(project.user, project.id, proposal["id"], session=session)
    session.commit()
    now = project.ws.read("calc.py")
    project.ws.write("calc.py", now.text + "# later\n", base_version=now.version)
    with pytest.raises(EditNotApplied, match="changed after the AI edit"):
        proposals.undo_applied(project.user, project.id, applied.id, session=session)
    assert project.ws.read("calc.py").text.endswith("# later\n")


def test_reject_and_access_rules(project, session, answered, make_user):
    first, second = answered(
        edit("calc.py", "    return a + b\n", "    return 0\n") + "```edit new.py\nx = 1\n```\n"
    )
    rejected = proposals.reject_proposal(project.user, project.id, first["id"], session=session)
    assert rejected.status == "rejected"
    bob = make_user("bob")
    with pytest.raises(NotFound):
        proposals.apply_proposal(bob, project.id, second["id"], session=session)
    members.add_member(
        project.user, project.id, username="bob", role=Role.viewer.value, session=session
    )
    session.commit()
    with pytest.raises(Forbidden):
        proposals.apply_proposal(bob, project.id, second["id"], session=session)
