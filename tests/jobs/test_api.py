"""The /api/v1/jobs routes: visibility (own jobs, project jobs), cancel, retry."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

import jobs
from tests.jobs.conftest import wait_for
from vibe.projects.models import Membership, Project


def _project(session: Session, owner_id: int, member_id: int | None = None) -> int:
    project = Project(owner_id=owner_id, name="p", slug=f"p-{owner_id}")
    session.add(project)
    session.flush()
    if member_id is not None:
        session.add(Membership(project_id=project.id, user_id=member_id, role="viewer"))
    session.commit()
    assert project.id is not None
    return project.id


def test_user_sees_own_jobs_and_not_others(make_user, login) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    mine = jobs.enqueue("count", args={"steps": 1}, user_id=alice.id)
    theirs = jobs.enqueue("count", args={"steps": 1}, user_id=bob.id)
    wait_for(mine, "succeeded")
    client = login(alice)
    listed = client.get("/api/v1/jobs").json()
    assert [j["id"] for j in listed] == [mine]
    assert client.get(f"/api/v1/jobs/{mine}").json()["result"] == {"counted": 1}
    for path in (f"/api/v1/jobs/{theirs}", "/api/v1/jobs/missing"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert client.post(f"/api/v1/jobs/{theirs}/cancel").status_code == 404
    assert client.post(f"/api/v1/jobs/{theirs}/retry").status_code == 404


def test_project_members_see_project_jobs(make_user, login, session: Session) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    project_id = _project(session, alice.id, member_id=bob.id)
    job_id = jobs.enqueue("count", args={"steps": 1}, user_id=alice.id, project_id=project_id)
    client = login(bob)
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 200
    listed = client.get("/api/v1/jobs", params={"project_id": project_id}).json()
    assert [j["id"] for j in listed] == [job_id]


def test_cancel_and_retry_over_http(make_user, login, tmp_path: Path) -> None:
    alice = make_user("alice")
    gate = tmp_path / "gate"
    job_id = jobs.enqueue("count", args={"steps": 2, "gate": str(gate)}, user_id=alice.id)
    wait_for(job_id, "running")
    client = login(alice)
    assert client.post(f"/api/v1/jobs/{job_id}/cancel").json()["cancel_requested"] is True
    wait_for(job_id, "cancelled")
    conflict = client.post(f"/api/v1/jobs/{job_id}/cancel")
    assert conflict.status_code == 200  # cancelling twice is harmless
    gate.touch()
    assert client.post(f"/api/v1/jobs/{job_id}/retry").json()["status"] == "queued"
    wait_for(job_id, "succeeded")
    refused = client.post(f"/api/v1/jobs/{job_id}/retry")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"


def test_jobs_require_sign_in(api) -> None:
    assert api.get("/api/v1/jobs").status_code == 401


def test_status_filter_is_validated(make_user, login) -> None:
    client = login(make_user("alice"))
    assert client.get("/api/v1/jobs", params={"status": "bogus"}).status_code == 422
    assert client.get("/api/v1/jobs", params={"status": "queued"}).json() == []
