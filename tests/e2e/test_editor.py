"""The editor, end to end in Chromium against the real app: open, type, save, reload, conflicts,
search, and a page that never talks to anything but our own server."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.e2e.conftest import shot

EDITOR = ".vibe-editor .monaco-editor .view-lines"


def _sign_in(page, live_app) -> None:
    # The same POST the login page's #login-local button makes, sent directly: these tests are
    # about the editor, and the login page has its own tests.
    res = page.request.post(
        live_app.url("/api/v1/auth/local"), headers={"Origin": live_app.base_url}, max_redirects=0
    )
    assert res.status == 303, res.text()
    page.goto(live_app.url("/projects"))
    page.wait_for_url(re.compile(r".*/projects/?$"))


def _api(page, live_app, method: str, path: str, **kwargs):
    headers = {"Origin": live_app.base_url}
    res = page.request.fetch(live_app.url(path), method=method, headers=headers, **kwargs)
    assert res.ok, res.text()
    return res.json() if res.status != 204 else None


def _project(page, live_app, name: str) -> dict:
    return _api(page, live_app, "POST", "/api/v1/projects", data={"name": name})


def _put(page, live_app, project: dict, path: str, text: str, base: str | None = None) -> None:
    body = {"path": path, "content": text, "base_version": base}
    _api(page, live_app, "PUT", f"/api/v1/projects/{project['id']}/files/content", data=body)


def _content(page, live_app, project: dict, path: str) -> str:
    url = f"/api/v1/projects/{project['id']}/files/content?path={path}"
    return _api(page, live_app, "GET", url)["content"]


def _open_editor(page, live_app, project: dict) -> None:
    page.goto(live_app.url(f"/projects/{project['slug']}"))
    expect(page.locator("#project-title")).to_have_text(project["name"])


def _open_file(page, path: str) -> None:
    page.locator(f'[data-tree-path="{path}"]').click()
    expect(page.locator(f'[data-tab-path="{path}"]')).to_be_visible()
    expect(page.locator(EDITOR)).to_be_visible()


def _tab(page, path: str):
    return page.locator(f'[data-tab-path="{path}"]')


def _offsite(urls: list[str], base: str) -> list[str]:
    ours = urlsplit(base).netloc
    return [
        u
        for u in urls
        if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != ours
    ]


def test_create_type_save_reload_and_no_offsite_requests(page, live_app):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    _sign_in(page, live_app)
    project = _project(page, live_app, "Editor Demo")
    _open_editor(page, live_app, project)
    expect(page.locator("#editor-empty")).to_be_visible()
    expect(page.locator("#project-settings-link")).to_be_visible()
    shot(page, "editor-01-empty")

    page.locator("#tree-new-file").click()
    page.locator("#file-name-input").fill("src/hello.py")
    page.locator("#file-name-submit").click()
    expect(_tab(page, "src/hello.py")).to_be_visible()
    expect(page.locator(EDITOR)).to_be_visible()
    expect(page.locator("#status-language")).to_have_text("python")
    page.locator(EDITOR).click()
    page.keyboard.type("answer = 42")
    page.keyboard.press("Enter")
    expect(_tab(page, "src/hello.py")).to_have_attribute("data-dirty", "1")
    expect(page.locator("#status-save")).to_have_text("Unsaved changes")
    shot(page, "editor-02-dirty")
    page.keyboard.press("Control+s")
    expect(_tab(page, "src/hello.py")).to_have_attribute("data-dirty", "")
    expect(page.locator("#status-save")).to_have_text("Saved")
    assert _content(page, live_app, project, "src/hello.py") == "answer = 42\n"

    # Unsaved text survives a reload (and the page warns before leaving).
    page.keyboard.type("draft = True")
    expect(_tab(page, "src/hello.py")).to_have_attribute("data-dirty", "1")
    page.wait_for_timeout(400)  # the draft is written 250 ms after the last keystroke
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    page.reload()
    expect(_tab(page, "src/hello.py")).to_have_attribute("data-dirty", "1")
    expect(page.locator(EDITOR)).to_contain_text("draft = True")
    expect(page.locator(EDITOR)).to_contain_text("answer = 42")
    assert dialogs == ["beforeunload"]
    page.keyboard.press("Control+s")
    expect(_tab(page, "src/hello.py")).to_have_attribute("data-dirty", "")
    assert _content(page, live_app, project, "src/hello.py") == "answer = 42\ndraft = True"

    # And after a reload with nothing unsaved, reopening shows the saved text.
    page.reload()
    _open_file(page, "src/hello.py")
    expect(page.locator(EDITOR)).to_contain_text("draft = True")
    shot(page, "editor-03-saved")
    assert not _offsite(requests, live_app.base_url), _offsite(requests, live_app.base_url)
    assert any("editor.worker" in u for u in requests), "Monaco's worker was not loaded locally"


def test_stale_save_opens_compare_view_and_loses_nothing(browser, page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Conflicts")
    _put(page, live_app, project, "shared.txt", "line one\n")
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    other.set_default_timeout(20_000)
    second = other.new_page()
    try:
        _sign_in(second, live_app)
        for p in (page, second):
            _open_editor(p, live_app, project)
            _open_file(p, "shared.txt")
        page.locator(EDITOR).click()
        page.keyboard.press("Control+End")
        page.keyboard.type("from the first window")
        page.keyboard.press("Control+s")
        expect(_tab(page, "shared.txt")).to_have_attribute("data-dirty", "")

        second.locator(EDITOR).click()
        second.keyboard.press("Control+End")
        second.keyboard.type("from the second window")
        second.keyboard.press("Control+s")
        expect(second.locator("#conflict-view")).to_be_visible()
        expect(second.locator("#conflict-view")).to_contain_text("from the first window")
        expect(second.locator("#conflict-view")).to_contain_text("from the second window")
        shot(second, "editor-04-conflict")
        second.locator("#conflict-keep-mine").click()
        expect(second.locator("#conflict-view")).to_have_count(0)
        expect(_tab(second, "shared.txt")).to_have_attribute("data-dirty", "")
    finally:
        other.close()
    assert _content(page, live_app, project, "shared.txt") == "line one\nfrom the second window"
    root = live_app.data_dir / "workspaces" / str(project["id"])
    log = subprocess.run(
        ["git", "-C", str(root), "log", "-p", "--", "shared.txt"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "+from the first window" in log  # the overwritten version is in history


def test_search_opens_the_line(page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Searchable")
    lines = [f"value_{n} = {n}" for n in range(1, 81)]
    lines[59] = "needle = 'found me'"
    _put(page, live_app, project, "pkg/data.py", "\n".join(lines) + "\n")
    _put(page, live_app, project, "notes.md", "no match here\n")
    _open_editor(page, live_app, project)
    page.locator("#rail-search").click()
    page.locator("#search-query").fill("needle")
    page.locator("#search-run").click()
    expect(page.locator("#search-summary")).to_have_text("1 result in 1 file")
    page.locator(".search-hit").first.click()
    expect(_tab(page, "pkg/data.py")).to_be_visible()
    expect(page.locator("#status-position")).to_have_text("Ln 60, Col 1")
    expect(page.locator(EDITOR)).to_contain_text("found me")
    shot(page, "editor-05-search")

    # Quick open finds a file by a few of its letters.
    page.keyboard.press("Control+p")
    page.locator("#quick-open-input").fill("ntsmd")
    expect(page.locator(".quick-open-item").first).to_have_text("notes.md")
    page.keyboard.press("Enter")
    expect(_tab(page, "notes.md")).to_be_visible()


def test_binary_and_odd_names(page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Odd Files")
    name = "<img src=x onerror=alert(1)>.txt"
    _put(page, live_app, project, name, "harmless\n")
    url = f"/api/v1/projects/{project['id']}/files/upload"
    res = page.request.post(
        live_app.url(url),
        headers={"Origin": live_app.base_url},
        multipart={
            "file": {
                "name": "blob.bin",
                "mimeType": "application/octet-stream",
                "buffer": b"\x00\x01\x02binary",
            }
        },
    )
    assert res.ok, res.text()
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    _open_editor(page, live_app, project)
    expect(page.get_by_text(name, exact=True)).to_be_visible()
    page.locator('[data-tree-path="blob.bin"]').click()
    expect(page.locator("#editor-binary")).to_be_visible()
    page.get_by_text(name, exact=True).click()
    expect(page.locator(EDITOR)).to_contain_text("harmless")
    shot(page, "editor-06-odd-names")
    assert alerts == []


def test_tree_rename_delete_and_git_commit(page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Tree And Git")
    _put(page, live_app, project, "old.py", "x = 1\n")
    _put(page, live_app, project, "junk.txt", "bye\n")
    _open_editor(page, live_app, project)
    _open_file(page, "old.py")

    page.locator('[data-tree-path="old.py"]').click(button="right")
    page.locator("#menu-rename").click()
    page.locator("#file-name-input").fill("lib/new.py")
    page.locator("#file-name-submit").click()
    expect(page.locator('[data-tree-path="lib/new.py"]')).to_be_visible()
    expect(_tab(page, "lib/new.py")).to_be_visible()
    expect(page.locator('[data-tree-path="old.py"]')).to_have_count(0)

    page.locator('[data-tree-path="junk.txt"]').click(button="right")
    page.locator("#menu-delete").click()
    page.locator("#confirm-delete").click()
    expect(page.locator('[data-tree-path="junk.txt"]')).to_have_count(0)

    page.locator("#rail-git").click()
    changes = page.locator(".git-change")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("lib/new.py")
    changes.first.click()
    expect(page.locator("#git-diff")).to_be_visible()
    expect(page.locator("#git-diff .view-lines").last).to_contain_text("x = 1")
    shot(page, "editor-07-git-diff")
    page.keyboard.press("Escape")
    expect(page.locator("#git-diff")).to_have_count(0)
    page.locator("#commit-message").fill("Move old.py into lib")
    page.locator("#commit-button").click()
    expect(page.locator(".git-change")).to_have_count(0)
    expect(page.locator("#git-panel")).to_contain_text("Move old.py into lib")
    shot(page, "editor-08-git-committed")


# A folder tree as FileSystemEntry objects, as webkitGetAsEntry gives for a real folder drop
# (a DataTransfer built in JS cannot carry folders). Directory readers answer in batches, like
# Chromium's (100 entries at a time), then with an empty batch.
ENTRY_FAKES_JS = """
  const later = (fn) => setTimeout(fn, 0);
  const file = (name, data) => ({
    isFile: true, isDirectory: false, name,
    file: (ok) => later(() => ok(new File([data], name))),
  });
  const dir = (name, batches) => ({
    isFile: false, isDirectory: true, name,
    createReader() {
      let n = 0;
      return { readEntries: (ok) => later(() => ok(batches[n++] || [])) };
    },
  });
"""

DROP_TREE_JS = (
    """
async (folder) => {
"""
    + ENTRY_FAKES_JS
    + """
  const big = new Uint8Array(20_000_001);
  const deep = dir("deep", [[file("d.txt", "deep\\n")]]);
  const tree = dir("proj", [
    [file("a.py", "a = 1\\n"), dir("pkg", [[file("c.py", "c = 3\\n"), deep]])],
    [file("b.md", "# b\\n"), dir(".git", [[file("hook.sh", "evil\\n")]]), file("big.bin", big)],
  ]);
  return await window.vibeDrop.upload(folder, [tree]);
}
"""
)

DROP_FILE_JS = """
(selector) => {
  const data = new DataTransfer();
  data.items.add(new File(["loose\\n"], "loose.txt", { type: "text/plain" }));
  const row = document.querySelector(selector);
  for (const type of ["dragenter", "dragover", "drop"]) {
    row.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
  }
}
"""


def test_dropped_folder_keeps_its_structure(page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Dropped Folders")
    _put(page, live_app, project, "lib/keep.py", "keep = 1\n")
    _open_editor(page, live_app, project)
    expect(page.locator('[data-tree-path="lib"]')).to_be_visible()
    page.wait_for_function("() => !!window.vibeDrop")

    # A real drop event on a folder row: the file goes into that folder.
    page.evaluate(DROP_FILE_JS, '[data-tree-path="lib/keep.py"]')
    expect(page.locator('[data-tree-path="lib/loose.txt"]')).to_be_visible()
    expect(page.locator("#vibe-upload-status")).to_contain_text("Uploaded 1 file into lib")

    # A nested folder dropped on a folder: every file lands in its own folder under it.
    result = page.evaluate(DROP_TREE_JS, "lib")
    assert sorted(result["stored"]) == [
        "lib/proj/a.py",
        "lib/proj/b.md",
        "lib/proj/pkg/c.py",
        "lib/proj/pkg/deep/d.txt",
    ]
    refused = sorted(line.split(":")[0] for line in result["failed"])
    assert refused == ["proj/.git/hook.sh", "proj/big.bin"]
    for path in result["stored"]:
        expect(page.locator(f'[data-tree-path="{path}"]')).to_be_visible()
    assert _content(page, live_app, project, "lib/proj/pkg/deep/d.txt") == "deep\n"
    status = page.locator("#vibe-upload-status")
    expect(status).to_contain_text("Uploaded 4 files into lib; 2 files refused")
    expect(status).to_contain_text("proj/.git/hook.sh")
    shot(page, "editor-09-folder-drop")
    tree = _api(page, live_app, "GET", f"/api/v1/projects/{project['id']}/files")
    paths = {e["path"] for e in tree["entries"]}
    assert not any(p.endswith(("hook.sh", "big.bin")) for p in paths)


# The upload dialog's drop zone, fed a folder with a subfolder and an empty folder as a drop
# onto it would be (the entry objects of ENTRY_FAKES_JS).
DIALOG_DROP_JS = (
    """
async (selector) => {
"""
    + ENTRY_FAKES_JS
    + """
  const tree = dir("site", [
    [file("index.html", "<p>hi</p>\\n"), dir("css", [[file("main.css", "p {}\\n")]])],
    [dir("empty", []), dir(".git", [])],
  ]);
  const zone = document.querySelector(selector);
  return await window.vibeDrop.drop(zone, zone, [tree]);
}
"""
)


DIALOG_ZONE = '[role="dialog"] .vibe-drop-zone'


def test_folder_dropped_into_the_upload_dialog_keeps_its_structure(page, live_app):
    _sign_in(page, live_app)
    project = _project(page, live_app, "Dialog Drops")
    _put(page, live_app, project, "docs/readme.md", "# docs\n")
    _open_editor(page, live_app, project)
    page.wait_for_function("() => !!window.vibeDrop")
    dialog = page.get_by_role("dialog")

    # A real drop event on the dialog's zone is taken before Reflex's dropzone, goes into the
    # dialog's folder, and closes the dialog.
    page.locator('[data-tree-path="docs"]').click(button="right")
    page.get_by_role("menuitem", name="Upload here").click()
    expect(dialog).to_contain_text("In docs")
    expect(dialog).to_contain_text("A dropped folder keeps its subfolders.")
    page.evaluate(DROP_FILE_JS, DIALOG_ZONE)
    expect(page.locator('[data-tree-path="docs/loose.txt"]')).to_be_visible()
    expect(dialog).to_have_count(0)

    # A folder with a subfolder and an empty folder, dropped into the dialog for the root.
    page.locator("#file-tree").wait_for()
    page.get_by_role("button", name="Upload files").click()
    expect(dialog).to_be_visible()
    result = page.evaluate(DIALOG_DROP_JS, DIALOG_ZONE)
    assert sorted(result["stored"]) == ["site/css/main.css", "site/empty", "site/index.html"]
    assert [line.split(":")[0] for line in result["failed"]] == ["site/.git/"]
    expect(dialog).to_have_count(0)
    for path in result["stored"]:
        expect(page.locator(f'[data-tree-path="{path}"]')).to_be_visible()
    expect(page.locator('[data-tree-path="site/empty"]')).to_have_attribute("data-kind", "dir")
    status = page.locator("#vibe-upload-status")
    expect(status).to_contain_text("Uploaded 2 files and 1 folder; 1 folder refused")
    shot(page, "editor-10-dialog-folder-drop")
    assert _content(page, live_app, project, "site/css/main.css") == "p {}\n"
