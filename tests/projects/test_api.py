"""Projects and members over HTTP: envelope errors, 404 for strangers, 403 for low roles."""

from __future__ import annotations

from vibe.projects import workspace


def _create(client, name="Demo", description=""):
    res = client.post("/api/v1/projects", json={"name": name, "description": description})
    assert res.status_code == 201, res.text
    return res.json()


def test_requires_sign_in(api):
    res = api.get("/api/v1/projects")
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthorized"


def test_create_list_get_update(make_user, login):
    client = login(make_user("alice"))
    created = _create(client, "  Demo App ", "first")
    assert (created["name"], created["slug"], created["role"]) == ("Demo App", "demo-app", "owner")
    assert [p["slug"] for p in client.get("/api/v1/projects").json()] == ["demo-app"]
    for ref in (created["id"], created["slug"]):
        assert client.get(f"/api/v1/projects/{ref}").json()["name"] == "Demo App"
    res = client.patch(f"/api/v1/projects/{created['id']}", json={"description": "second"})
    assert res.json()["description"] == "second"


def test_bad_names_are_400_with_message(make_user, login):
    client = login(make_user("alice"))
    for name, words in (("", "required"), ("   ", "required"), ("x" * 500, "too long")):
        res = client.post("/api/v1/projects", json={"name": name})
        assert res.status_code == 400
        assert words in res.json()["error"]["message"]
    assert client.get("/api/v1/projects").json() == []


def test_duplicate_name_is_409(make_user, login):
    client = login(make_user("alice"))
    _create(client, "Blog")
    res = client.post("/api/v1/projects", json={"name": "Blog"})
    assert res.status_code == 409
    assert res.json()["error"]["message"] == "you already have a project named 'Blog'"


def test_foreign_project_is_404_everywhere(make_user, login, api):
    alice, mallory = make_user("alice"), make_user("mallory")
    project = _create(login(alice), "Secret")
    client = login(mallory)
    pid = project["id"]
    calls = [
        ("GET", f"/api/v1/projects/{pid}", None),
        ("PATCH", f"/api/v1/projects/{pid}", {"name": "x"}),
        ("DELETE", f"/api/v1/projects/{pid}", {"confirm": "Secret"}),
        ("GET", f"/api/v1/projects/{pid}/members", None),
        ("GET", f"/api/v1/projects/{pid}/files", None),
        ("GET", f"/api/v1/projects/{pid}/files/content?path=a", None),
        (
            "PUT",
            f"/api/v1/projects/{pid}/files/content",
            {"path": "a", "content": "x", "base_version": None},
        ),
        ("GET", "/api/v1/projects/99999", None),
    ]
    for method, url, body in calls:
        res = client.request(method, url, json=body)
        assert res.status_code == 404, (method, url, res.text)
        assert res.json()["error"]["code"] == "not_found"
    assert (workspace.workspace_root(pid) / ".git").is_dir()


def test_viewer_cannot_write(make_user, login):
    alice, bob = make_user("alice"), make_user("bob")
    owner = login(alice)
    pid = _create(owner, "Team")["id"]
    res = owner.post(f"/api/v1/projects/{pid}/members", json={"username": "bob", "role": "viewer"})
    assert res.status_code == 201
    viewer = login(bob)
    assert viewer.get(f"/api/v1/projects/{pid}").json()["role"] == "viewer"
    for method, url, body in (
        ("PATCH", f"/api/v1/projects/{pid}", {"name": "Hacked"}),
        (
            "PUT",
            f"/api/v1/projects/{pid}/files/content",
            {"path": "a.txt", "content": "x", "base_version": None},
        ),
        ("POST", f"/api/v1/projects/{pid}/files", {"path": "b.txt"}),
        ("POST", f"/api/v1/projects/{pid}/members", {"username": "bob", "role": "owner"}),
    ):
        res = viewer.request(method, url, json=body)
        assert res.status_code == 403, (method, url, res.text)
        assert "viewer" in res.json()["error"]["message"]
    assert viewer.get(f"/api/v1/projects/{pid}").json()["name"] == "Team"
    assert viewer.get(f"/api/v1/projects/{pid}/files").json()["entries"] == []


def test_members_endpoints(make_user, login):
    alice, _bob = make_user("alice"), make_user("bob")
    client = login(alice)
    pid = _create(client, "Team")["id"]
    url = f"/api/v1/projects/{pid}/members"
    assert client.post(url, json={"username": "ghost", "role": "editor"}).status_code == 404
    assert client.post(url, json={"username": "bob", "role": "boss"}).status_code == 422
    assert client.post(url, json={"username": "bob", "role": "editor"}).status_code == 201
    assert client.patch(f"{url}/bob", json={"role": "owner"}).json()["role"] == "owner"
    res = client.patch(f"{url}/alice", json={"role": "viewer"})
    assert res.status_code == 200
    res = client.delete(f"{url}/bob")
    assert res.status_code == 403  # alice is a viewer now
    roles = {m["username"]: m["role"] for m in client.get(url).json()}
    assert roles == {"alice": "viewer", "bob": "owner"}


def test_last_owner_cannot_leave(make_user, login):
    client = login(make_user("alice"))
    pid = _create(client, "Solo")["id"]
    res = client.delete(f"/api/v1/projects/{pid}/members/alice")
    assert res.status_code == 409
    assert "at least one owner" in res.json()["error"]["message"]


def test_delete_needs_exact_confirmation(make_user, login):
    client = login(make_user("alice"))
    project = _create(client, "Doomed")
    url = f"/api/v1/projects/{project['id']}"
    root = workspace.workspace_root(project["id"])
    for body in ({"confirm": "doomed"}, {"confirm": ""}):
        res = client.request("DELETE", url, json=body)
        assert res.status_code == 400
        assert res.json()["error"]["code"] == "confirmation_mismatch"
    assert client.request("DELETE", url).status_code == 422
    assert root.is_dir()
    assert client.request("DELETE", url, json={"confirm": "Doomed"}).status_code == 204
    assert client.get(url).status_code == 404
    assert not root.exists()


def test_cross_origin_cookie_write_is_refused(make_user, login):
    client = login(make_user("alice"))
    res = client.post(
        "/api/v1/projects", json={"name": "X"}, headers={"Origin": "https://evil.example"}
    )
    assert res.status_code == 403
    assert client.get("/api/v1/projects").json() == []
