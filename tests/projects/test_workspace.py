"""Workspace files: safe paths, versioned atomic saves, git history, limits."""

from __future__ import annotations

import os

import pytest

from vibe.core.config import get_settings
from vibe.core.errors import Conflict, NotFound, TooLarge, ValidationFailed
from vibe.projects import gitrepo, workspace
from vibe.projects.workspace import StaleVersion


@pytest.fixture
def ws() -> workspace.Workspace:
    return workspace.create_workspace(1)


def _commits(ws: workspace.Workspace) -> int:
    return len(ws.history())


def test_new_workspace_is_a_git_repo_on_main(ws):
    assert (ws.root / ".git").is_dir()
    assert gitrepo.git(ws.root, "branch", "--show-current").strip() == "main"
    assert [c.message for c in ws.history()] == ["Create project"]
    assert ws.history()[0].author == "Vibe"


def test_write_read_roundtrip_and_history_grows(ws):
    saved = ws.write("src/app.py", "print(1)\n", base_version=None)
    first = ws.read("src/app.py")
    assert (first.text, first.version, first.binary) == ("print(1)\n", saved.version, False)
    assert first.version == gitrepo.git(ws.root, "hash-object", "src/app.py").strip()
    ws.write("src/app.py", "print(2)\n", base_version=first.version)
    assert _commits(ws) == 3
    assert [c.message for c in ws.history(path="src/app.py")] == [
        "Save src/app.py",
        "Save src/app.py",
    ]


def test_author_is_recorded(ws):
    ws.write("a.txt", "x", base_version=None, author=gitrepo.Author("Ada", "ada@example.org"))
    latest = ws.history()[0]
    assert (latest.author, latest.email) == ("Ada", "ada@example.org")


def test_identical_save_makes_no_commit(ws):
    v = ws.write("a.txt", "same", base_version=None).version
    assert ws.write("a.txt", "same", base_version=v).commit is None
    assert _commits(ws) == 2


def test_stale_save_is_refused_and_file_unchanged(ws):
    v1 = ws.write("a.txt", "one", base_version=None).version
    v2 = ws.write("a.txt", "two", base_version=v1).version
    with pytest.raises(StaleVersion) as err:
        ws.write("a.txt", "three", base_version=v1)
    assert err.value.current_version == v2
    assert err.value.status == 409
    assert ws.read("a.txt").text == "two"
    assert _commits(ws) == 3


def test_create_over_existing_without_base_conflicts(ws):
    ws.write("a.txt", "one", base_version=None)
    with pytest.raises(Conflict, match="already exists"):
        ws.write("a.txt", "two", base_version=None)
    assert ws.read("a.txt").text == "one"


def test_save_on_deleted_file_is_stale(ws):
    v = ws.write("a.txt", "one", base_version=None).version
    ws.delete("a.txt")
    with pytest.raises(StaleVersion, match="deleted"):
        ws.write("a.txt", "two", base_version=v)
    assert not (ws.root / "a.txt").exists()


@pytest.mark.parametrize(
    "bad",
    [
        "../x",
        "/etc/passwd",
        "a/../../x",
        "a/../b",
        "x\x00y",
        "..\\x",
        "C:/x",
        ".git/config",
        "sub/.GIT/HEAD",
        "",
        "  x",
        "a\nb",
    ],
)
def test_bad_paths_are_refused(ws, bad):
    for op in (
        lambda: ws.write(bad, "x", base_version=None),
        lambda: ws.read(bad),
        lambda: ws.create(bad),
        lambda: ws.delete(bad),
    ):
        with pytest.raises(ValidationFailed):
            op()
    assert _commits(ws) == 1


def test_symlink_escaping_root_is_refused(ws, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    os.symlink(outside, ws.root / "link")
    os.symlink(tmp_path, ws.root / "dirlink")
    os.symlink(".git", ws.root / "gitlink")
    with pytest.raises(ValidationFailed, match="outside"):
        ws.read("link")
    with pytest.raises(ValidationFailed, match="outside"):
        ws.write("dirlink/new.txt", "x", base_version=None)
    with pytest.raises(ValidationFailed, match=r"\.git"):
        ws.read("gitlink/config")
    assert outside.read_text() == "secret"
    assert not (tmp_path / "new.txt").exists()
    ws.delete("link")  # removes the link itself, never its target
    assert outside.exists()


def test_oversized_write_and_read(ws, monkeypatch):
    monkeypatch.setenv("VIBE_MAX_FILE_BYTES", "10")
    get_settings.cache_clear()
    with pytest.raises(TooLarge):
        ws.write("big.txt", "x" * 11, base_version=None)
    assert not (ws.root / "big.txt").exists()
    (ws.root / "huge.bin").write_bytes(b"y" * 11)
    with pytest.raises(TooLarge):
        ws.read("huge.bin")


def test_binary_and_non_utf8_are_flagged(ws):
    ws.upload("", "img.bin", b"\x89PNG\x00\x01")
    ws.upload("", "latin.txt", "café".encode("latin-1"))
    img, latin = ws.read("img.bin"), ws.read("latin.txt")
    assert (img.binary, img.encoding, img.text) == (True, None, None)
    assert (latin.binary, latin.encoding, latin.data) == (True, None, "café".encode("latin-1"))


def test_tree_skips_git_and_lists_folders_first(ws):
    ws.write("b.txt", "b", base_version=None)
    ws.write("src/a.py", "a", base_version=None)
    ws.create("empty", kind="folder")
    listing = ws.tree()
    assert [(e.path, e.kind, e.depth) for e in listing.entries] == [
        ("empty", "dir", 0),
        ("src", "dir", 0),
        ("src/a.py", "file", 1),
        ("b.txt", "file", 0),
    ]
    assert not listing.truncated


def test_create_rename_delete(ws):
    ws.create("notes.md")
    with pytest.raises(Conflict):
        ws.create("notes.md")
    assert ws.move("notes.md", "docs/notes.md") == "docs/notes.md"
    with pytest.raises(NotFound):
        ws.read("notes.md")
    ws.create("other.md")
    with pytest.raises(Conflict):
        ws.move("other.md", "docs/notes.md")
    with pytest.raises(ValidationFailed, match="into itself"):
        ws.move("docs", "docs/inner")
    ws.delete("docs")
    assert not (ws.root / "docs").exists()
    assert [c.message for c in ws.history()][:3] == [
        "Delete docs",
        "Create other.md",
        "Rename notes.md to docs/notes.md",
    ]
    assert gitrepo.git(ws.root, "status", "--porcelain").strip() == ""


def test_upload_limits_and_conflicts(ws, monkeypatch):
    assert ws.upload("assets", "C:\\fakepath\\logo.png", b"png").path == "assets/logo.png"
    with pytest.raises(Conflict):
        ws.upload("assets", "logo.png", b"again")
    monkeypatch.setenv("VIBE_MAX_UPLOAD_BYTES", "3")
    get_settings.cache_clear()
    with pytest.raises(TooLarge):
        ws.upload("", "big.bin", b"1234")
    with pytest.raises(ValidationFailed):
        ws.upload("../up", "x.bin", b"1")


def test_folder_upload_keeps_its_structure(ws):
    saved = ws.upload("assets", "a.py", b"a = 1\n", relative_dir="pkg/sub")
    assert saved.path == "assets/pkg/sub/a.py"
    assert (ws.root / "assets/pkg/sub/a.py").read_bytes() == b"a = 1\n"
    assert ws.upload("", "b.py", b"", relative_dir="./pkg").path == "pkg/b.py"
    for bad in ("../../etc", "/abs", "pkg/../..", ".git/hooks"):
        with pytest.raises(ValidationFailed):
            ws.upload("", "evil.py", b"1", relative_dir=bad)
    assert not (ws.root / "evil.py").exists()
    ws.write("file.txt", "x", base_version=None)
    with pytest.raises(ValidationFailed):  # a file stands where a folder is needed
        ws.upload("", "c.py", b"1", relative_dir="file.txt")


def test_leftover_folder_is_set_aside_not_reused(vibe_env):
    root = workspace.workspace_root(7)
    root.mkdir(parents=True)
    (root / "old.txt").write_text("old")
    ws = workspace.create_workspace(7)
    assert ws.tree().entries == []
    assert any(p.name.startswith("7.orphan-") for p in root.parent.iterdir())


def test_missing_folder_is_recreated_on_open(vibe_env):
    ws = workspace.open_workspace(3)
    assert ws.history()[0].message == "Create project"


def test_concurrent_saves_on_same_base_one_wins(ws):
    from concurrent.futures import ThreadPoolExecutor

    base = ws.write("a.txt", "base", base_version=None).version

    def save(text: str) -> str:
        try:
            ws.write("a.txt", text, base_version=base)
        except StaleVersion:
            return "stale"
        return "saved"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(save, [f"writer {i}" for i in range(4)]))
    assert sorted(outcomes) == ["saved", "stale", "stale", "stale"]
    assert ws.read("a.txt").text.startswith("writer ")
    assert len(ws.history()) == 3
