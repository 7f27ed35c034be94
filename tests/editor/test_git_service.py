from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from vibe.core.errors import Conflict, NotFound, ValidationFailed
from vibe.editor import git_service as g
from vibe.projects.gitrepo import Author
from vibe.projects.workspace import Workspace, create_workspace

ME = Author("Ada", "ada@example.com")


@pytest.fixture
def ws(vibe_env: Path) -> Workspace:
    return create_workspace(7, author=ME)


def _save(ws: Workspace, path: str, text: str) -> None:
    ws.write(path, text, base_version=ws.current_version(path), author=ME)


def test_saves_show_as_changes_until_committed(ws: Workspace) -> None:
    _save(ws, "a.py", "one\n")
    _save(ws, "a.py", "two\n")
    _save(ws, "b.txt", "bee\n")
    assert g.changes(ws.root) == [g.Change("a.py", "added"), g.Change("b.txt", "added")]
    sha = g.commit(ws.root, "Add a and b", author=ME)
    assert g.changes(ws.root) == []
    log = g.history(ws.root)
    assert [c.message for c in log] == ["Add a and b", "Create project"]
    assert log[0].sha == sha and log[0].author == "Ada"


def test_modified_and_deleted(ws: Workspace) -> None:
    _save(ws, "a.py", "one\n")
    _save(ws, "gone.txt", "x\n")
    g.commit(ws.root, "first", author=ME)
    _save(ws, "a.py", "changed\n")
    ws.delete("gone.txt", author=ME)
    assert g.changes(ws.root) == [g.Change("a.py", "modified"), g.Change("gone.txt", "deleted")]
    diff = g.file_diff(ws.root, "a.py")
    assert (diff.original, diff.modified) == ("one\n", "changed\n")
    assert g.file_diff(ws.root, "gone.txt").modified == ""


def test_changes_made_outside_the_editor_are_listed(ws: Workspace) -> None:
    (ws.root / "untracked.md").write_text("hello\n")
    assert g.changes(ws.root) == [g.Change("untracked.md", "added")]
    g.commit(ws.root, "Add notes", author=ME)
    assert g.changes(ws.root) == []


def test_commit_needs_message_and_changes(ws: Workspace) -> None:
    with pytest.raises(ValidationFailed, match="message"):
        g.commit(ws.root, "  ", author=ME)
    with pytest.raises(ValidationFailed, match="nothing to commit"):
        g.commit(ws.root, "empty", author=ME)


def test_revert_file_restores_or_removes(ws: Workspace) -> None:
    _save(ws, "a.py", "one\n")
    g.commit(ws.root, "first", author=ME)
    _save(ws, "a.py", "broken\n")
    _save(ws, "new.py", "new\n")
    g.revert_file(ws, "a.py", author=ME)
    g.revert_file(ws, "new.py", author=ME)
    assert (ws.root / "a.py").read_text() == "one\n"
    assert not (ws.root / "new.py").exists()
    assert g.changes(ws.root) == []


def test_binary_diff_is_not_shown_as_text(ws: Workspace) -> None:
    ws.upload("", "img.png", b"\x89PNG\x00\x01", author=ME)
    assert g.file_diff(ws.root, "img.png").binary


def test_branches_create_and_switch(ws: Workspace) -> None:
    _save(ws, "a.py", "main\n")
    g.commit(ws.root, "on main", author=ME)
    assert g.create_branch(ws.root, "feature/x") == "feature/x"
    _save(ws, "a.py", "feature\n")
    g.commit(ws.root, "on feature", author=ME)
    assert g.branches(ws.root) == g.Branches("feature/x", ["feature/x", "main"])
    g.switch_branch(ws.root, "main")
    assert (ws.root / "a.py").read_text() == "main\n"
    assert g.changes(ws.root) == []
    with pytest.raises(Conflict):
        g.create_branch(ws.root, "main")
    with pytest.raises(ValidationFailed):
        g.create_branch(ws.root, "bad..name")
    with pytest.raises(NotFound):
        g.switch_branch(ws.root, "nope")


def test_remote_urls_are_checked() -> None:
    assert g.check_remote_url("https://github.com/a/b.git")
    assert g.check_remote_url("git@github.com:a/b.git")
    for bad in ("ext::sh -c touch% /tmp/pwned", "/srv/repo.git", "file:///srv/x", "-u", ""):
        with pytest.raises(ValidationFailed):
            g.check_remote_url(bad)
    assert g.check_remote_url("/srv/repo.git", allow_local=True)


def _bare(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    return bare


def test_push_and_pull_with_a_local_bare_repository(ws: Workspace, tmp_path: Path) -> None:
    bare = _bare(tmp_path)
    with pytest.raises(ValidationFailed, match="remote"):
        g.push(ws.root, allow_local=True)
    with pytest.raises(ValidationFailed):
        g.set_remote(ws.root, str(bare))  # local paths need allow_local
    g.set_remote(ws.root, str(bare), allow_local=True)
    assert g.get_remote(ws.root) == str(bare)
    _save(ws, "a.py", "v1\n")
    g.commit(ws.root, "v1", author=ME)
    with pytest.raises(ValidationFailed):
        g.push(ws.root)  # the stored local remote is refused without allow_local
    assert g.push(ws.root, allow_local=True) == "main"
    remote_log = subprocess.run(
        ["git", "--git-dir", str(bare), "log", "--format=%s", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert remote_log[:2] == ["v1", "Create project"]

    # Someone else pushes a change; pull merges it in.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(bare), str(clone)], check=True)
    (clone / "b.txt").write_text("from elsewhere\n")
    env = ["-c", "user.name=Bob", "-c", "user.email=bob@example.com"]
    subprocess.run(["git", *env, "-C", str(clone), "add", "b.txt"], check=True)
    subprocess.run(["git", *env, "-C", str(clone), "commit", "-qm", "b"], check=True)
    subprocess.run(["git", "-C", str(clone), "push", "-q"], check=True)
    g.pull(ws.root, author=ME, allow_local=True)
    assert (ws.root / "b.txt").read_text() == "from elsewhere\n"
    assert g.changes(ws.root) == []


def test_conflicting_pull_is_undone(ws: Workspace, tmp_path: Path) -> None:
    bare = _bare(tmp_path)
    g.set_remote(ws.root, str(bare), allow_local=True)
    _save(ws, "a.py", "base\n")
    g.commit(ws.root, "base", author=ME)
    g.push(ws.root, allow_local=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(bare), str(clone)], check=True)
    (clone / "a.py").write_text("theirs\n")
    env = ["-c", "user.name=Bob", "-c", "user.email=bob@example.com"]
    subprocess.run(["git", *env, "-C", str(clone), "commit", "-qam", "theirs"], check=True)
    subprocess.run(["git", "-C", str(clone), "push", "-q"], check=True)
    _save(ws, "a.py", "mine\n")
    with pytest.raises(Conflict, match="does not merge cleanly"):
        g.pull(ws.root, author=ME, allow_local=True)
    assert (ws.root / "a.py").read_text() == "mine\n"
