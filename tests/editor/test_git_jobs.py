"""Push and pull as jobs: they run through the embedded runner, report progress, and cancel."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.jobs.conftest import load, wait_for, wait_until
from vibe.core.errors import ValidationFailed
from vibe.editor import git_service as g
from vibe.editor import jobs as remote_jobs
from vibe.editor.git_transfer import parse_progress
from vibe.jobs import service as jobs_service
from vibe.projects import service
from vibe.projects.gitrepo import Author
from vibe.projects.workspace import open_workspace

ME = Author("Ada", "ada@example.com")


@pytest.fixture(autouse=True)
def fresh_runner() -> Iterator[None]:
    from jobs import embedded

    embedded.shutdown()
    yield
    embedded.shutdown()


def _bare(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    return bare


def _remote_log(bare: Path) -> list[str]:
    res = subprocess.run(
        ["git", "--git-dir", str(bare), "log", "--format=%s", "main"],
        capture_output=True,
        text=True,
    )
    return res.stdout.split()


def _project(session: Session, owner, bare: Path):  # type: ignore[no-untyped-def]
    project = service.create_project(owner, name="Remote work", session=session).project
    session.commit()
    ws = open_workspace(project.id)  # type: ignore[arg-type]
    g.set_remote(ws.root, str(bare), allow_local=True)
    ws.write("a.py", "v1\n", base_version=None, author=ME)
    g.commit(ws.root, "v1", author=ME)
    return project, ws


def test_git_progress_lines_become_overall_fractions() -> None:
    assert parse_progress("Writing objects:  50% (1/2)") == (0.625, "Writing objects:  50% (1/2)")
    fraction, text = parse_progress("remote: Counting objects: 100% (3/3), done.")  # type: ignore[misc]
    assert (fraction, text) == (pytest.approx(0.15), "Counting objects: 100% (3/3), done.")
    assert parse_progress("To /srv/remote.git") is None


def test_push_then_pull_run_as_jobs(session: Session, make_user, tmp_path: Path) -> None:
    owner = make_user()
    bare = _bare(tmp_path)
    project, ws = _project(session, owner, bare)

    job_id = remote_jobs.start_sync(owner, project.id, "push", session=session)
    job = wait_for(job_id, "succeeded", "failed")
    assert job.status == "succeeded", job.error
    assert (job.kind, job.project_id, job.progress) == ("git.push", project.id, 1.0)
    assert job.result == {"branch": "main"}
    assert _remote_log(bare)[:1] == ["v1"]

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(bare), str(clone)], check=True)
    (clone / "b.txt").write_text("from elsewhere\n")
    who = ["-c", "user.name=Bob", "-c", "user.email=bob@example.com"]
    subprocess.run(["git", *who, "-C", str(clone), "add", "b.txt"], check=True)
    subprocess.run(["git", *who, "-C", str(clone), "commit", "-qm", "b"], check=True)
    subprocess.run(["git", "-C", str(clone), "push", "-q"], check=True)

    job = wait_for(remote_jobs.start_sync(owner, project.id, "pull", session=session), "succeeded")
    assert job.message.startswith("pulled and merged")
    assert (ws.root / "b.txt").read_text() == "from elsewhere\n"


def test_a_cancelled_push_stops_git(session: Session, make_user, tmp_path: Path) -> None:
    owner = make_user()
    bare = _bare(tmp_path)
    started, gate = tmp_path / "hook-started", tmp_path / "gate"
    hook = bare / "hooks" / "pre-receive"
    # The remote holds the push until the gate file exists (its own hook, like a slow server).
    hook.write_text(f"#!/bin/sh\ntouch {started}\nwhile [ ! -e {gate} ]; do sleep 0.05; done\n")
    hook.chmod(0o755)
    project, _ws = _project(session, owner, bare)
    try:
        job_id = remote_jobs.start_sync(owner, project.id, "push", session=session)
        wait_until(started.exists, "the remote to receive the push")
        jobs_service.cancel_job(job_id, session=session, user=owner)
        session.commit()
        job = wait_for(job_id, "cancelled", "failed", "succeeded")
        assert job.status == "cancelled", job.error
    finally:
        gate.touch()
    assert _remote_log(bare) == []  # git was killed before the remote took anything
    assert load(job_id).finished_at is not None


def test_starting_needs_a_remote_and_an_allowed_url(
    session: Session, make_user, tmp_path: Path
) -> None:
    owner = make_user()
    project = service.create_project(owner, name="No remote", session=session).project
    session.commit()
    with pytest.raises(ValidationFailed, match="set a remote"):
        remote_jobs.start_sync(owner, project.id, "push", session=session)
    with pytest.raises(ValidationFailed, match="direction"):
        remote_jobs.start_sync(owner, project.id, "sideways", session=session)

    other = make_user("bob")  # not the first account, so no admin
    assert owner.is_admin and not other.is_admin
    assert remote_jobs.may_use_local_remotes(owner)
    assert not remote_jobs.may_use_local_remotes(other)
