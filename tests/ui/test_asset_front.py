"""The built frontend's /assets/ files answered from memory, with the headers the build gets."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from vibe.ui import asset_front
from vibe.ui.asset_front import AssetFront
from vibe.ui.assets import IMMUTABLE

SCRIPT = b"export const answer = 42;\n" * 40


class Behind:
    """The app behind the front: says that it answered, and what it was asked."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append(scope["path"])
        await PlainTextResponse("from the app", status_code=404)(scope, receive, send)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    assets = tmp_path / "client" / "assets"
    (assets / "nested").mkdir(parents=True)
    (assets / "entry-AbCd12_-.js").write_bytes(SCRIPT)
    (assets / "entry-AbCd12_-.js.gz").write_bytes(gzip.compress(SCRIPT))
    (assets / "theme-QQQQQQQQ.css").write_text("body { color: red }")
    (assets / "nested" / "font-ZZZZZZZZ.woff2").write_bytes(b"\x00font")
    (tmp_path / "client" / "secret.txt").write_text("not an asset")
    return assets


@pytest.fixture
def behind() -> Behind:
    return Behind()


@pytest.fixture
def client(built: Path, behind: Behind) -> TestClient:
    return TestClient(AssetFront(behind, built))


def test_a_script_from_memory_with_the_build_headers(client, built, behind):
    res = client.get("/assets/entry-AbCd12_-.js", headers={"Accept-Encoding": "identity"})
    assert res.status_code == 200
    assert res.content == SCRIPT
    assert res.headers["content-type"] == "text/javascript; charset=utf-8"
    assert res.headers["cache-control"] == IMMUTABLE
    assert res.headers["content-length"] == str(len(SCRIPT))
    assert res.headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in res.headers
    # Read once: a changed file on disk is not read again while the server runs.
    (built / "entry-AbCd12_-.js").write_bytes(b"changed")
    again = client.get("/assets/entry-AbCd12_-.js", headers={"Accept-Encoding": "identity"})
    assert again.content == SCRIPT
    assert behind.paths == []


def test_the_gzip_sidecar_when_the_browser_takes_it(client):
    res = client.get("/assets/entry-AbCd12_-.js", headers={"Accept-Encoding": "gzip, br"})
    assert res.headers["content-encoding"] == "gzip"
    assert res.content == SCRIPT  # the test client decodes it
    assert int(res.headers["content-length"]) == len(gzip.compress(SCRIPT))
    refused = client.get("/assets/entry-AbCd12_-.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    assert refused.content == SCRIPT


def test_not_modified_for_a_known_etag(client):
    etag = client.get("/assets/theme-QQQQQQQQ.css").headers["etag"]
    res = client.get("/assets/theme-QQQQQQQQ.css", headers={"If-None-Match": f"W/{etag}"})
    assert res.status_code == 304
    assert res.content == b""
    assert res.headers["cache-control"] == IMMUTABLE
    assert (
        client.get("/assets/theme-QQQQQQQQ.css", headers={"If-None-Match": '"x"'}).status_code
        == 200
    )


def test_head_and_nested_files(client):
    res = client.head("/assets/nested/font-ZZZZZZZZ.woff2")
    assert res.status_code == 200
    assert res.content == b""
    assert res.headers["content-length"] == "5"
    css = client.get("/assets/theme-QQQQQQQQ.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert "vary" not in css.headers  # no sidecar


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../secret.txt",
        "/assets/%2e%2e/secret.txt",
        "/assets/nested/../../secret.txt",
        "/assets/missing-AAAAAAAA.js",
        "/assets/entry-AbCd12_-.js.gz",  # a sidecar is not a file of its own here
        "/assets/",
        "/other/entry-AbCd12_-.js",
    ],
)
def test_anything_else_goes_to_the_app(client, behind, path):
    res = client.get(path)
    assert res.status_code == 404
    assert res.text == "from the app"
    assert behind.paths


def test_other_methods_and_ranges_go_to_the_app(client, behind):
    assert client.post("/assets/entry-AbCd12_-.js").text == "from the app"
    ranged = client.get("/assets/entry-AbCd12_-.js", headers={"Range": "bytes=0-9"})
    assert ranged.text == "from the app"
    assert behind.paths == ["/assets/entry-AbCd12_-.js"] * 2


def test_too_big_to_keep_goes_to_the_app(built, behind, monkeypatch):
    monkeypatch.setattr(asset_front, "MAX_KEPT", 10)
    client = TestClient(AssetFront(behind, built))
    assert client.get("/assets/entry-AbCd12_-.js").text == "from the app"
    assert client.get("/assets/entry-AbCd12_-.js").text == "from the app"
    assert client.get("/assets/nested/font-ZZZZZZZZ.woff2").status_code == 200  # 5 bytes


def test_no_build_means_everything_goes_to_the_app(tmp_path, behind):
    client = TestClient(AssetFront(behind, tmp_path / "nowhere"))
    assert client.get("/assets/entry-AbCd12_-.js").text == "from the app"


def test_only_in_front_of_a_served_build(monkeypatch, behind):
    from reflex.environment import environment

    monkeypatch.setenv(environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.name, "false")
    assert asset_front.around(behind) is behind
    monkeypatch.setenv(environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP.name, "true")
    front = asset_front.around(behind)
    assert isinstance(front, AssetFront)
    assert front.directory.name == "assets"
