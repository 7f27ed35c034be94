"""The API's shared behaviour: health, error envelope, request ids, auth refusal."""


def test_healthz_and_request_id(api):
    res = api.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert res.status_code == 200
    assert res.json()["status"] == "ok"
    assert res.headers["x-request-id"] == "abc123"


def test_readyz_embedded(api):
    body = api.get("/readyz").json()
    assert body["ready"] is True
    assert body["checks"]["redis"]["mode"] == "embedded"


def test_unknown_route_uses_envelope(api):
    res = api.get("/api/v1/does-not-exist")
    assert res.status_code == 404
    assert set(res.json()["error"]) >= {"code", "message"}


def test_bad_bearer_token_is_401(api):
    res = api.get("/api/v1/projects", headers={"Authorization": "Bearer vibe_nope"})
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthorized"


def test_metrics_exposes_request_counts(api):
    api.get("/healthz")
    text = api.get("/metrics").text
    assert "vibe_http_requests_total" in text
    assert "vibe_jobs" in text
