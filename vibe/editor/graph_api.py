"""/api/v1/projects/{project_id}/editor/...: go to definition and find references for Monaco.

Answers come from the project's code knowledge graph. A project that is not indexed answers
200 with ``indexed: false`` and a message the editor shows, so the editor degrades gracefully.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vibe.auth.deps import DB, CurrentUser
from vibe.editor import graph_nav
from vibe.editor.graph_nav import NavAnswer

router = APIRouter(prefix="/projects/{project_id}/editor", tags=["editor"])

Path = Annotated[str, Query(min_length=1, max_length=1024)]
Line = Annotated[int, Query(ge=1)]
Word = Annotated[str, Query(min_length=1, max_length=200)]


@router.get("/definition")
def definition(
    project_id: int, path: Path, line: Line, word: Word, user: CurrentUser, session: DB
) -> NavAnswer:
    """Where the symbol ``word`` used at ``path:line`` is defined."""
    return graph_nav.definition(user, project_id, path, line, word, session=session)


@router.get("/references")
def references(
    project_id: int, path: Path, line: Line, word: Word, user: CurrentUser, session: DB
) -> NavAnswer:
    """The symbol at ``path:line`` (its definition first) and the places that use it."""
    return graph_nav.references(user, project_id, path, line, word, session=session)
