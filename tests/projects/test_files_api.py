"""Workspace files over HTTP: versions, stale saves, traversal, limits, uploads."""

from __future__ import annotations

import base64
import os

import pytest

from vibe.core.config import get_settings
from vibe.projects import workspace


@pytest.fixture
def project(make_user, login):
    client = login(make_user("alice"))
    res = client.post("/api/v1/projects", json={"name": "Files"})
    pid = res.json()["id"]
    return client, f"/api/v1/projects/{pid}/files", workspace.open_workspace(pid)


def _save(client, url, path, content, base):
    return client.put(
        f"{url}/content", json={"path": path, "content": content, "base_version": base}
    )


def test_save_read_and_history(project):
    client, url, _ws = project
    first = _save(client, url, "src/main.py", "print('hi')\n", None)
    assert first.status_code == 200, first.text
    got = client.get(f"{url}/content", params={"path": "src/main.py"}).json()
    assert got["content"] == "print('hi')\n"
    assert got["version"] == first.json()["version"]
    assert got["encoding"] == "utf-8"
    second = _save(client, url, "src/main.py", "print('bye')\n", got["version"])
    assert second.status_code == 200
    history = client.get(f"{url}/history").json()
    assert [c["message"] for c in history] == [
        "Save src/main.py",
        "Save src/main.py",
        "Create project",
    ]
    assert history[0]["author"] == "Alice"
    tree = client.get(url).json()
    assert [e["path"] for e in tree["entries"]] == ["src", "src/main.py"]


def test_stale_save_is_409_with_current_version(project):
    client, url, ws = project
    v1 = _save(client, url, "a.txt", "one", None).json()["version"]
    v2 = _save(client, url, "a.txt", "two", v1).json()["version"]
    res = _save(client, url, "a.txt", "three", v1)
    assert res.status_code == 409
    error = res.json()["error"]
    assert error["code"] == "stale_version"
    assert error["current_version"] == v2
    assert (ws.root / "a.txt").read_text() == "two"
    assert len(ws.history()) == 3


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../x", "x\x00y", ".git/config"])
def test_traversal_is_400_and_writes_nothing(project, bad):
    client, url, ws = project
    before = sorted(p.name for p in ws.root.parent.iterdir())
    for res in (
        _save(client, url, bad, "pwned", None),
        client.get(f"{url}/content", params={"path": bad}),
        client.post(url, json={"path": bad}),
        client.post(f"{url}/rename", json={"src": bad, "dst": "ok"}),
        client.request("DELETE", url, params={"path": bad}),
    ):
        assert res.status_code == 400, res.text
        assert res.json()["error"]["code"] == "invalid_path"
    assert sorted(p.name for p in ws.root.parent.iterdir()) == before
    assert len(ws.history()) == 1


def test_symlink_outside_is_400(project, tmp_path):
    client, url, ws = project
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, ws.root / "leak")
    res = client.get(f"{url}/content", params={"path": "leak"})
    assert res.status_code == 400
    assert "outside" in res.json()["error"]["message"]
    res = _save(client, url, "leak", "overwritten", None)
    assert res.status_code == 400
    assert secret.read_text() == "top secret"


def test_oversized_save_is_413(project, monkeypatch):
    client, url, ws = project
    monkeypatch.setenv("VIBE_MAX_FILE_BYTES", "100")
    get_settings.cache_clear()
    res = _save(client, url, "big.txt", "x" * 101, None)
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "too_large"
    res = _save(client, url, "huge.txt", "x" * 10_000, None)  # refused by Content-Length
    assert res.status_code == 413
    assert not (ws.root / "big.txt").exists()
    assert not (ws.root / "huge.txt").exists()


def test_binary_roundtrip_via_base64(project):
    client, url, _ws = project
    raw = b"\x89PNG\x00\xff"
    res = client.put(
        f"{url}/content",
        json={
            "path": "img.png",
            "content": base64.b64encode(raw).decode(),
            "base_version": None,
            "encoding": "base64",
        },
    )
    assert res.status_code == 200
    got = client.get(f"{url}/content", params={"path": "img.png"}).json()
    assert (got["binary"], got["encoding"]) == (True, "base64")
    assert base64.b64decode(got["content"]) == raw
    bad = client.put(
        f"{url}/content",
        json={"path": "x.bin", "content": "%%%", "base_version": None, "encoding": "base64"},
    )
    assert bad.status_code == 400


def test_create_rename_delete(project):
    client, url, _ws = project
    assert client.post(url, json={"path": "docs", "kind": "folder"}).status_code == 201
    assert client.post(url, json={"path": "docs/a.md"}).status_code == 201
    assert client.post(url, json={"path": "docs/a.md"}).status_code == 409
    res = client.post(f"{url}/rename", json={"src": "docs/a.md", "dst": "b.md"})
    assert res.json() == {"path": "b.md"}
    missing = client.get(f"{url}/content", params={"path": "docs/a.md"})
    assert missing.status_code == 404
    assert client.request("DELETE", url, params={"path": "b.md"}).status_code == 204
    assert client.request("DELETE", url, params={"path": "b.md"}).status_code == 404


def test_upload(project, monkeypatch):
    client, url, ws = project
    res = client.post(
        f"{url}/upload", data={"path": "assets"}, files={"file": ("logo.png", b"\x89PNG")}
    )
    assert res.status_code == 201, res.text
    assert res.json()["path"] == "assets/logo.png"
    again = client.post(f"{url}/upload", files={"file": ("assets/logo.png", b"x")})
    assert again.status_code == 201  # a client-sent folder in the filename is dropped
    assert again.json()["path"] == "logo.png"
    monkeypatch.setenv("VIBE_MAX_UPLOAD_BYTES", "10")
    get_settings.cache_clear()
    big = client.post(f"{url}/upload", files={"file": ("big.bin", b"x" * 11)})
    assert big.status_code == 413
    assert not (ws.root / "big.bin").exists()
    bad = client.post(f"{url}/upload", data={"path": "../.."}, files={"file": ("x", b"1")})
    assert bad.status_code == 400
    nested = client.post(
        f"{url}/upload", data={"relative_dir": "src/pkg"}, files={"file": ("m.py", b"1")}
    )
    assert nested.status_code == 201, nested.text
    assert nested.json()["path"] == "src/pkg/m.py"
    escape = client.post(
        f"{url}/upload", data={"relative_dir": "../x"}, files={"file": ("m.py", b"1")}
    )
    assert escape.status_code == 400
