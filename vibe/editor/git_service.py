"""The editor's git panel: changes since the last commit, commit, history, revert, branches,
push and pull, on a project's workspace repository.

Every save through the workspace service already records a small commit ("Save a.py"). The panel
treats those as checkpoints: "changes" are everything since the last commit a person made
(``refs/vibe/checkpoint/<branch>``, else the newest commit that is not an automatic one), and
"commit" folds the checkpoints since then into one commit with the person's message. Pushed
history is never rewritten: a push or pull moves the checkpoint to HEAD.
"""

from __future__ import annotations

import fcntl
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from vibe.core.errors import Conflict, NotFound, ValidationFailed
from vibe.editor.git_transfer import Report, transfer
from vibe.projects import gitrepo, paths
from vibe.projects.gitrepo import Author, Commit, GitError
from vibe.projects.workspace import LOCK_NAME, Workspace, sniff

AUTO_PREFIXES = ("Save ", "Create ", "Rename ", "Delete ", "Upload ", "Revert ")
CHECKPOINT_REF = "refs/vibe/checkpoint/"
MAX_DIFF_BYTES = 1_000_000
REMOTE = "origin"
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$")


@dataclass(frozen=True)
class Change:
    path: str
    status: str  # added | modified | deleted


@dataclass(frozen=True)
class FileDiff:
    path: str
    original: str  # at the last commit
    modified: str  # now
    binary: bool = False
    too_large: bool = False


@dataclass(frozen=True)
class Branches:
    current: str
    names: list[str]


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """The workspace's own writer lock, so git operations never interleave with saves."""
    with open(root / ".git" / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _git(root: Path, *args: str, author: Author = Author(), ok: tuple[int, ...] = (0,)) -> str:
    return gitrepo.git(root, *args, author=author, ok=ok)


def current_branch(root: Path) -> str:
    return _git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()


def _is_ancestor(root: Path, older: str, newer: str = "HEAD") -> bool:
    res = gitrepo._run(root, ("merge-base", "--is-ancestor", older, newer), Author())
    return res.returncode == 0


def last_commit(root: Path) -> str:
    """The commit changes are counted from (see the module docstring)."""
    ref = CHECKPOINT_REF + current_branch(root)
    saved = _git(root, "rev-parse", "-q", "--verify", ref, ok=(0, 1)).strip()
    if saved and _is_ancestor(root, saved):
        return saved
    log = _git(root, "log", "--format=%H%x1f%s", "--max-count=2000")
    lines = [line.split("\x1f", 1) for line in log.splitlines() if line]
    for sha, subject in lines:
        if not subject.startswith(AUTO_PREFIXES):
            return sha
    return lines[-1][0]


def _set_checkpoint(root: Path) -> None:
    _git(root, "update-ref", CHECKPOINT_REF + current_branch(root), "HEAD")


def changes(root: Path) -> list[Change]:
    """Files added, modified or deleted since the last commit, in path order."""
    base = last_commit(root)
    out = _git(root, "diff", "--name-status", "--no-renames", "-z", base, "--")
    fields = out.split("\x00")
    found = {}
    for code, path in zip(fields[0::2], fields[1::2], strict=False):
        if path:
            found[path] = {"A": "added", "D": "deleted"}.get(code[:1], "modified")
    others = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for path in filter(None, others.split("\x00")):
        found[path] = "added"
    return [Change(p, found[p]) for p in sorted(found)]


def _at_commit(root: Path, sha: str, path: str) -> bytes | None:
    res = gitrepo._run(root, ("cat-file", "-e", f"{sha}:{path}"), Author())
    if res.returncode != 0:
        return None
    return subprocess.run(
        ["git", "-c", f"safe.directory={root.resolve()}", "cat-file", "blob", f"{sha}:{path}"],
        cwd=root,
        env=gitrepo._env(Author()),
        capture_output=True,
        timeout=gitrepo.GIT_TIMEOUT_SECONDS,
        check=True,
    ).stdout


def file_diff(root: Path, path: str) -> FileDiff:
    """The file at the last commit and now, as text (empty when it did not / does not exist)."""
    real = paths.resolve(root, path)
    rel = paths.relative(root, real)
    before = _at_commit(root, last_commit(root), rel) or b""
    after = real.read_bytes() if real.is_file() else b""
    if len(before) > MAX_DIFF_BYTES or len(after) > MAX_DIFF_BYTES:
        return FileDiff(rel, "", "", too_large=True)
    if sniff(before)[0] or sniff(after)[0]:
        return FileDiff(rel, "", "", binary=True)
    return FileDiff(rel, before.decode("utf-8"), after.decode("utf-8"))


def commit(root: Path, message: str, *, author: Author) -> str:
    """Fold everything since the last commit into one commit with ``message``; its sha."""
    message = message.strip()
    if not message:
        raise ValidationFailed("write a commit message")
    with _locked(root):
        base = last_commit(root)
        if not changes(root):
            raise ValidationFailed("nothing to commit: no file changed since the last commit")
        _git(root, "reset", "-q", "--soft", base)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", message, author=author)
        _set_checkpoint(root)
        return _git(root, "rev-parse", "HEAD").strip()


def revert_file(ws: Workspace, path: str, *, author: Author) -> None:
    """Put one file back as it was at the last commit (deleting it if it was new)."""
    rel = paths.clean(path)
    before = _at_commit(ws.root, last_commit(ws.root), rel)
    if before is None:
        ws.delete(rel, author=author)
        return
    current = ws.current_version(rel)
    ws.write(rel, before, base_version=current, author=author, message=f"Revert {rel}")


def history(root: Path, *, limit: int = 50) -> list[Commit]:
    return gitrepo.history(root, limit=min(max(limit, 1), 500))


def branches(root: Path) -> Branches:
    names = _git(root, "branch", "--format=%(refname:short)").split()
    return Branches(current_branch(root), sorted(names))


def _check_branch_name(root: Path, name: str) -> str:
    name = name.strip()
    res = gitrepo._run(root, ("check-ref-format", "--branch", name), Author())
    if not name or name.startswith("-") or res.returncode != 0:
        raise ValidationFailed(f"'{name}' is not a valid branch name")
    return name


def create_branch(root: Path, name: str) -> str:
    """A new branch at HEAD, switched to."""
    name = _check_branch_name(root, name)
    with _locked(root):
        if name in branches(root).names:
            raise Conflict(f"a branch named '{name}' already exists")
        _git(root, "switch", "-q", "-c", name)
        _set_checkpoint(root)
    return name


def switch_branch(root: Path, name: str) -> str:
    name = _check_branch_name(root, name)
    with _locked(root):
        if name not in branches(root).names:
            raise NotFound(f"no branch named '{name}'")
        try:
            _git(root, "switch", "-q", name)
        except GitError as exc:
            raise Conflict(f"cannot switch to '{name}': {exc}") from None
    return name


def check_remote_url(url: str, *, allow_local: bool = False) -> str:
    """https/ssh/git remotes; local paths and file:// only when ``allow_local`` (tests, admins)."""
    url = url.strip()
    if not url or url.startswith("-") or any(c.isspace() for c in url):
        raise ValidationFailed("enter the remote's URL, e.g. https://github.com/you/repo.git")
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("https", "http", "ssh", "git") or (_SCP_LIKE.match(url) and "::" not in url):
        return url
    if allow_local and (scheme == "file" or (not scheme and url.startswith("/"))):
        return url
    raise ValidationFailed("the remote must be an https://, ssh:// or git@host:path URL")


def get_remote(root: Path) -> str:
    return _git(root, "remote", "get-url", REMOTE, ok=(0, 2)).strip()


def set_remote(root: Path, url: str, *, allow_local: bool = False) -> str:
    url = check_remote_url(url, allow_local=allow_local)
    with _locked(root):
        verb = "set-url" if get_remote(root) else "add"
        _git(root, "remote", verb, REMOTE, url)
    return url


def _remote_args(root: Path, allow_local: bool) -> tuple[str, ...]:
    url = get_remote(root)
    if not url:
        raise ValidationFailed("set a remote URL first")
    check_remote_url(url, allow_local=allow_local)
    file_ok = "always" if allow_local else "never"
    return ("-c", f"protocol.file.allow={file_ok}", "-c", "protocol.ext.allow=never")


def push(root: Path, *, allow_local: bool = False, report: Report | None = None) -> str:
    """Push the current branch to the remote; the checkpoint moves to what was pushed.

    ``report`` gets git's progress and may raise to stop the push (see ``git_transfer``).
    """
    guard = _remote_args(root, allow_local)
    with _locked(root):
        branch = current_branch(root)
        try:
            refspec = f"HEAD:refs/heads/{branch}"
            transfer(root, (*guard, "push", REMOTE, refspec), report=report)
        except GitError as exc:
            raise Conflict(f"push refused: {exc}") from None
        _set_checkpoint(root)
    return branch


def pull(
    root: Path, *, author: Author, allow_local: bool = False, report: Report | None = None
) -> str:
    """Fetch the current branch from the remote and merge it; a conflicting merge is undone.

    ``report`` gets the fetch's progress and may raise to stop it before anything is merged.
    """
    guard = _remote_args(root, allow_local)
    with _locked(root):
        branch = current_branch(root)
        try:
            transfer(root, (*guard, "fetch", REMOTE, branch), report=report)
        except GitError as exc:
            raise Conflict(f"fetch failed: {exc}") from None
        res = gitrepo._run(root, ("merge", "--no-edit", "-q", "FETCH_HEAD"), author)
        if res.returncode != 0:
            gitrepo._run(root, ("merge", "--abort"), author)
            raise Conflict(f"the remote's '{branch}' does not merge cleanly; nothing changed")
        _set_checkpoint(root)
        return _git(root, "rev-parse", "HEAD").strip()
