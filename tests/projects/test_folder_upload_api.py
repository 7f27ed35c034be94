"""Folder uploads over HTTP (what the file tree's drop sends): the folder inside the drop is
path-checked like any path, and a project the user is not in takes nothing."""

from __future__ import annotations

import pytest

from vibe.projects import workspace


@pytest.fixture
def project(make_user, login):
    client = login(make_user("alice"))
    pid = client.post("/api/v1/projects", json={"name": "Drops"}).json()["id"]
    return client, f"/api/v1/projects/{pid}/files", workspace.open_workspace(pid)


def _post(client, url, relative_dir, name="m.py", path=""):
    data = {"path": path, "relative_dir": relative_dir}
    return client.post(f"{url}/upload", data=data, files={"file": (name, b"x = 1\n")})


def test_nested_folders_are_created_inside_the_target(project):
    client, url, ws = project
    res = _post(client, url, "proj/pkg/deep", path="lib")
    assert res.status_code == 201, res.text
    assert res.json()["path"] == "lib/proj/pkg/deep/m.py"
    assert (ws.root / "lib/proj/pkg/deep/m.py").read_bytes() == b"x = 1\n"
    assert _post(client, url, "proj/pkg/deep", path="lib").status_code == 409  # never replaced


@pytest.mark.parametrize(
    "relative_dir",
    ["../x", "a/../../x", "/etc", "~/x", ".git/hooks", "a\\b", "a\x00b", "C:/x", "a/\x1b/b"],
)
def test_bad_relative_dirs_are_refused_and_write_nothing(project, relative_dir):
    client, url, ws = project
    before = sorted(p.relative_to(ws.root) for p in ws.root.rglob("*"))
    res = _post(client, url, relative_dir, name="evil.py")
    assert res.status_code == 400, res.text
    assert "error" in res.json()
    assert sorted(p.relative_to(ws.root) for p in ws.root.rglob("*")) == before


def test_a_foreign_project_takes_nothing(project, make_user, login):
    _alice, url, ws = project
    bob = login(make_user("bob"))
    res = _post(bob, url, "pkg")
    assert res.status_code in (403, 404), res.text
    assert not (ws.root / "pkg").exists()
