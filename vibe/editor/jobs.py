"""The git panel's remote work as jobs: `git.push` and `git.pull`, with progress and cancel.

A push or pull can take minutes (a big repository, a slow remote), so it is long work: it runs
through the jobs system, shows its progress in the git panel, the editor's status bar and
`vibe jobs watch`, and stops when cancelled (git is killed; a cancelled pull merges nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import Session

from jobs.registry import JobContext, job
from vibe.auth.models import User
from vibe.core.config import get_settings
from vibe.core.db import session_scope
from vibe.core.errors import NotFound, ValidationFailed
from vibe.editor import git_service as g
from vibe.editor.access import project_workspace
from vibe.projects import service
from vibe.projects.models import Role

PUSH_JOB = "git.push"
PULL_JOB = "git.pull"
KINDS = {"push": PUSH_JOB, "pull": PULL_JOB}


def may_use_local_remotes(user: User) -> bool:
    """Local paths and file:// remotes reach the server's own disk: admins, or when allowed."""
    return user.is_admin or get_settings().git_allow_local_remotes


def start_sync(user: User, project_ref: int | str, direction: str, *, session: Session) -> str:
    """Queue a push or pull of the project's workspace (editors and owners); the job's id.

    Not retried automatically: a refused push or a conflicting pull needs the person, not time.
    """
    from jobs import enqueue

    if direction not in KINDS:
        raise ValidationFailed(f"unknown git direction: {direction}")
    ws, access = project_workspace(user, project_ref, session=session, need=Role.editor)
    g._remote_args(ws.root, may_use_local_remotes(user))  # no remote: say so now, not in a job
    project_id, user_id = access.project.id, user.id
    session.commit()  # the job's own session must not wait on this one (SQLite)
    return enqueue(
        KINDS[direction],
        args={"project_id": project_id, "user_id": user_id},
        project_id=project_id,
        user_id=user_id,
        max_retries=0,
    )


def _target(project_id: int, user_id: int) -> tuple[Path, User]:
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("the user who started this job no longer exists")
        ws, access = project_workspace(user, project_id, session=session, need=Role.editor)
        service.touch_project(access.project, session=session)
        session.expunge(user)
        return ws.root, user


@job(PUSH_JOB)
def push(ctx: JobContext, *, project_id: int, user_id: int) -> dict[str, Any]:
    """Push the workspace's current branch to its remote, reporting git's progress."""
    root, user = _target(project_id, user_id)
    ctx.progress(0.0, "connecting to the remote")
    branch = g.push(root, allow_local=may_use_local_remotes(user), report=ctx.progress)
    ctx.progress(1.0, f"pushed {branch}")
    return {"branch": branch}


@job(PULL_JOB)
def pull(ctx: JobContext, *, project_id: int, user_id: int) -> dict[str, Any]:
    """Fetch the current branch from the remote and merge it into the workspace."""
    root, user = _target(project_id, user_id)
    ctx.progress(0.0, "connecting to the remote")
    head = g.pull(
        root,
        author=service.author_for(user),
        allow_local=may_use_local_remotes(user),
        report=ctx.progress,
    )
    ctx.progress(1.0, f"pulled and merged ({head[:8]})")
    return {"head": head}
