"""The git CLI, driven for one workspace: init, commit the paths a save touched, read history.

We shell out to ``git`` rather than binding libgit2 so the repository on disk is exactly what a
person would get by hand, and later pushes/pulls use the same tool. The user's and system git
config are ignored (no hooks, no signing prompts, no credential helpers) so a save never waits
on anything interactive.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vibe.core.config import child_env

DEFAULT_AUTHOR_NAME = "Vibe"
DEFAULT_AUTHOR_EMAIL = "vibe@localhost"
GIT_TIMEOUT_SECONDS = 60


class GitError(RuntimeError):
    """git refused or failed; carries its stderr so the log says why."""


@dataclass(frozen=True)
class Author:
    name: str = DEFAULT_AUTHOR_NAME
    email: str = DEFAULT_AUTHOR_EMAIL


@dataclass(frozen=True)
class Commit:
    sha: str
    message: str
    author: str
    email: str
    committed_at: datetime


def _env(author: Author) -> dict[str, str]:
    return child_env(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_TERMINAL_PROMPT="0",
        GIT_AUTHOR_NAME=author.name,
        GIT_AUTHOR_EMAIL=author.email,
        GIT_COMMITTER_NAME=author.name,
        GIT_COMMITTER_EMAIL=author.email,
    )


def _run(root: Path, args: tuple[str, ...], author: Author) -> subprocess.CompletedProcess[str]:
    cmd = [
        "git",
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "commit.gpgsign=false",
        # The folder is ours even when a volume mount gives it another owner.
        "-c",
        f"safe.directory={root.resolve()}",
        *args,
    ]
    return subprocess.run(
        cmd,
        cwd=root,
        env=_env(author),
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_SECONDS,
        check=False,
    )


def git(root: Path, *args: str, author: Author = Author(), ok: tuple[int, ...] = (0,)) -> str:
    """Run one git command in ``root`` and return its stdout; GitError on an unexpected exit."""
    res = _run(root, args, author)
    if res.returncode not in ok:
        raise GitError(f"git {args[0]} failed ({res.returncode}): {res.stderr.strip()[:500]}")
    return res.stdout


def init(root: Path, *, author: Author = Author()) -> None:
    """Make ``root`` a repository on branch main with one empty commit to hang history on."""
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "Create project", author=author)


def _known(root: Path, path: str) -> bool:
    """True if git can stage ``path``: it exists on disk or the index still has it."""
    if (root / path).exists() or (root / path).is_symlink():
        return True
    return bool(git(root, "ls-files", "--", f":(literal){path}").strip())


def commit_paths(root: Path, paths: list[str], message: str, *, author: Author) -> str | None:
    """Stage exactly ``paths`` (additions, changes, removals) and commit; None if nothing changed.

    Only the named paths are staged, so anything else that changed in the folder meanwhile
    (a job, a person with a shell) is never swept into a save it did not belong to.
    """
    specs = [f":(literal){p}" for p in paths if _known(root, p)]
    if not specs:
        return None
    git(root, "add", "-A", "--", *specs)
    if _run(root, ("diff", "--cached", "--quiet", "--", *specs), author).returncode == 0:
        return None
    git(root, "commit", "-q", "-m", message, "--", *specs, author=author)
    return git(root, "rev-parse", "HEAD").strip()


def history(root: Path, *, path: str = "", limit: int = 50) -> list[Commit]:
    """Newest-first commits of the workspace, or of one path."""
    fmt = "%H%x1f%an%x1f%ae%x1f%cI%x1f%s%x1e"
    args = ["log", f"--max-count={limit}", f"--format={fmt}"]
    if path:
        args += ["--", path]
    out = git(root, *args)
    commits = []
    for record in out.split("\x1e"):
        record = record.strip()
        if not record:
            continue
        sha, name, email, when, subject = record.split("\x1f", 4)
        commits.append(Commit(sha, subject, name, email, datetime.fromisoformat(when)))
    return commits
