"""The editor's file uploads and git panel, end to end: branches, and push/pull jobs against a
local bare repository as the remote (with progress and cancel)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import shot, wait_until
from tests.e2e.test_editor import EDITOR, _api, _content, _open_editor, _project, _put, _sign_in

DEADLINE = 20.0


def _tree(page, path: str):
    return page.locator(f'[data-tree-path="{path}"]')


def _toast(page, text: str):
    """The newest toast holding ``text``, case-sensitively: a plain ``has_text`` would let
    "Switched to x" match the "Created and switched to x" still on screen."""
    return page.locator("[data-sonner-toast]").filter(has_text=re.compile(re.escape(text))).first


def _git(*args: str, cwd: Path | None = None) -> str:
    who = ["-c", "user.name=Bob", "-c", "user.email=bob@example.com"]
    res = subprocess.run(["git", *who, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return res.stdout


def _bare(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    _git("init", "-q", "--bare", "-b", "main", str(bare))
    return bare


def _open_git_panel(page) -> None:
    page.locator("#rail-git").click()
    expect(page.locator("#git-panel")).to_be_visible()


def _switch_branch(page, name: str) -> None:
    page.locator("#git-panel [role=combobox]").click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(_toast(page, f"Switched to {name}")).to_be_visible()


def test_upload_files_to_the_root_and_into_a_folder(page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Uploads")
    _put(page, live_app, project, "docs/readme.md", "# docs\n")
    _open_editor(page, live_app, project)

    page.locator("#file-tree").wait_for()
    page.get_by_role("button", name="Upload files").click()
    page.locator("input[type=file]").set_input_files(
        [
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"first upload\n"},
            {"name": "data.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"},
        ]
    )
    expect(page.get_by_text("notes.txt", exact=True)).to_be_visible()
    expect(page.locator("#tree-upload")).to_have_count(1)  # ids stay unique with the dialog open
    shot(page, "editor-git-01-upload-dialog")
    before = _api(page, live_app, "GET", f"/api/v1/projects/{project['id']}")["updated_at"]
    page.locator("#upload-submit").click()
    expect(_toast(page, "Uploaded 2 files")).to_be_visible()
    expect(_tree(page, "notes.txt")).to_be_visible()
    expect(_tree(page, "data.csv")).to_be_visible()
    # The project list's "recently updated" order sees the upload.
    assert _api(page, live_app, "GET", f"/api/v1/projects/{project['id']}")["updated_at"] > before

    # Into a folder, from the folder's context menu.
    _tree(page, "docs").click(button="right")
    page.get_by_role("menuitem", name="Upload here").click()
    expect(page.get_by_role("dialog")).to_contain_text("In docs")
    page.locator("input[type=file]").set_input_files(
        [{"name": "guide.md", "mimeType": "text/markdown", "buffer": b"# guide\n"}]
    )
    page.locator("#upload-submit").click()
    expect(_tree(page, "docs/guide.md")).to_be_visible()
    _tree(page, "docs/guide.md").click()
    expect(page.locator(EDITOR)).to_contain_text("# guide")
    shot(page, "editor-git-02-uploaded")
    assert _content(page, live_app, project, "notes.txt") == "first upload\n"
    assert _content(page, live_app, project, "docs/guide.md") == "# guide\n"

    # A name that exists is refused with a clear message, and the file is not replaced.
    page.get_by_role("button", name="Upload files").click()
    page.locator("input[type=file]").set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"replaced?\n"}]
    )
    page.locator("#upload-submit").click()
    expect(_toast(page, "already exists")).to_be_visible()
    assert _content(page, live_app, project, "notes.txt") == "first upload\n"


def test_create_and_switch_branches(page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Branches")
    _put(page, live_app, project, "shared.py", "x = 1\n")
    _open_editor(page, live_app, project)
    _open_git_panel(page)
    expect(page.locator("#git-panel [role=combobox]")).to_have_text("main")

    page.locator("#git-new-branch").fill("feature/x")
    page.locator("#git-new-branch-submit").click()
    expect(_toast(page, "Created and switched to feature/x")).to_be_visible()
    expect(page.locator("#git-panel [role=combobox]")).to_have_text("feature/x")

    # Work on the branch: a new file and a change to an open one.
    url = f"/api/v1/projects/{project['id']}/files/content?path=shared.py"
    shared = _api(page, live_app, "GET", url)
    _put(page, live_app, project, "shared.py", "x = 2\n", base=shared["version"])
    _put(page, live_app, project, "feature.py", "print('feature')\n")
    page.locator("#rail-files").click()
    page.locator("#tree-refresh").click()
    expect(_tree(page, "feature.py")).to_be_visible()
    _tree(page, "shared.py").click()
    expect(page.locator(EDITOR)).to_contain_text("x = 2")

    _open_git_panel(page)
    _switch_branch(page, "main")
    expect(page.locator(EDITOR)).to_contain_text("x = 1")  # the open file follows the branch
    page.locator("#rail-files").click()
    expect(_tree(page, "shared.py")).to_be_visible()
    expect(_tree(page, "feature.py")).to_have_count(0)
    shot(page, "editor-git-03-branch-main")
    _open_git_panel(page)
    _switch_branch(page, "feature/x")
    expect(page.locator(EDITOR)).to_contain_text("x = 2")
    page.locator("#rail-files").click()
    expect(_tree(page, "feature.py")).to_be_visible()
    _open_git_panel(page)

    # A bad or taken name is refused and nothing changes.
    page.locator("#git-new-branch").fill("main")
    page.locator("#git-new-branch-submit").click()
    expect(_toast(page, "already exists")).to_be_visible()
    expect(page.locator("#git-panel [role=combobox]")).to_have_text("feature/x")


def _set_remote(page, bare: Path) -> None:
    page.locator("#git-remote-input").fill(str(bare))
    page.locator("#git-remote-set").click()
    expect(_toast(page, "Remote saved")).to_be_visible()


def _jobs(page, live_app, project: dict) -> list[dict]:
    return _api(page, live_app, "GET", f"/api/v1/jobs?project_id={project['id']}")


def test_push_and_pull_run_as_jobs_against_a_local_bare_remote(page, live_app, tmp_path):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Push Pull")
    _put(page, live_app, project, "app.py", "print('v1')\n")
    bare = _bare(tmp_path)
    _open_editor(page, live_app, project)
    _open_git_panel(page)
    _set_remote(page, bare)

    page.locator("#git-push").click()
    expect(_toast(page, "Pushed")).to_be_visible()
    expect(page.locator("#git-sync-progress")).to_have_count(0)
    assert _git("--git-dir", str(bare), "show", "main:app.py") == "print('v1')\n"

    # Someone else pushes to the remote; Pull brings it into the workspace and the tree.
    clone = tmp_path / "clone"
    _git("clone", "-q", str(bare), str(clone))
    (clone / "from_remote.py").write_text("print('hello from the remote')\n")
    _git("add", "from_remote.py", cwd=clone)
    _git("commit", "-qm", "Add from_remote.py", cwd=clone)
    _git("push", "-q", cwd=clone)
    page.locator("#git-pull").click()
    expect(_toast(page, "Pulled and merged")).to_be_visible()
    expect(page.locator("#git-panel")).to_contain_text("Add from_remote.py")
    page.locator("#rail-files").click()
    _tree(page, "from_remote.py").click()
    expect(page.locator(EDITOR)).to_contain_text("hello from the remote")
    shot(page, "editor-git-04-pulled")

    done = {(j["kind"], j["status"], j["progress"]) for j in _jobs(page, live_app, project)}
    assert {("git.push", "succeeded", 1.0), ("git.pull", "succeeded", 1.0)} <= done


def test_a_push_shows_progress_and_can_be_cancelled(page, live_app, tmp_path):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Slow Remote")
    _put(page, live_app, project, "big.txt", "data\n" * 1000)
    bare = _bare(tmp_path)
    started, gate = tmp_path / "hook-started", tmp_path / "gate"
    hook = bare / "hooks" / "pre-receive"
    # The remote holds every push until the gate file exists, like a slow server.
    hook.write_text(f"#!/bin/sh\ntouch {started}\nwhile [ ! -e {gate} ]; do sleep 0.05; done\n")
    hook.chmod(0o755)
    try:
        _open_editor(page, live_app, project)
        _open_git_panel(page)
        _set_remote(page, bare)
        page.locator("#git-push").click()
        progress = page.locator("#git-sync-progress")
        expect(progress).to_be_visible()
        expect(page.locator("#git-pull")).to_be_disabled()
        wait_until(started.exists, DEADLINE, "the remote to receive the push")
        expect(progress).to_contain_text("Writing objects")  # git's own progress, relayed
        expect(page.locator("#status-jobs")).to_contain_text("Pushing", timeout=10_000)
        shot(page, "editor-git-05-push-progress")
        page.locator("#git-sync-cancel").click()
        expect(_toast(page, "Push cancelled")).to_be_visible()
        expect(progress).to_have_count(0)
    finally:
        gate.touch()
    statuses = {(j["kind"], j["status"]) for j in _jobs(page, live_app, project)}
    assert statuses == {("git.push", "cancelled")}
    res = subprocess.run(["git", "--git-dir", str(bare), "rev-parse", "-q", "--verify", "main"])
    assert res.returncode != 0, "the cancelled push reached the remote"
