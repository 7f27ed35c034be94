"""Tool names and routing decisions."""

from __future__ import annotations

from vibe.orchestrator import router
from vibe.orchestrator.router import Candidate


def test_names_are_safe_short_and_unique():
    long_tool = "x" * 80
    names = router.build_names(
        [
            ("github", "create_issue"),
            ("fs", "read:file"),
            ("a" * 40, long_tool),
            ("a" * 40, long_tool + "y"),
            ("s", "a_b"),
            ("s_a", "b"),  # "s__a_b" vs "s_a__b": distinct
        ]
    )
    assert names["github__create_issue"] == ("github", "create_issue")
    assert "fs__read_file" in names
    assert len(names) == 6
    for name in names:
        assert len(name) <= router.MAX_NAME
        assert ":" not in name
    assert router.namespaced("a" * 40, long_tool) == router.namespaced("a" * 40, long_tool)


def test_collisions_get_a_hash():
    names = router.build_names([("fs", "read.file"), ("fs", "read_file")])
    assert len(names) == 2
    assert set(names.values()) == {("fs", "read.file"), ("fs", "read_file")}


def test_resource_uris_round_trip():
    uri = router.resource_uri("docs", "file:///a b/c?d")
    assert router.split_resource_uri(uri) == ("docs", "file:///a b/c?d")
    assert router.split_resource_uri("file:///x") is None


def _candidate(id: int, name: str, **kw) -> Candidate:
    base = dict(
        tags=["search"],
        enabled=True,
        priority=0,
        placement="local",
        scope="global",
        project_id=None,
        status="ready",
        breaker="closed",
        latency_ms=10.0,
    )
    base.update(kw)
    return Candidate(id=id, name=name, **base)


def test_explain_chooses_by_priority_then_latency_and_says_why():
    decision = router.explain(
        "search",
        [
            _candidate(1, "slow", latency_ms=90.0),
            _candidate(2, "fast", latency_ms=5.0),
            _candidate(3, "off", enabled=False),
            _candidate(4, "tripped", breaker="open", retry_in=12),
            _candidate(5, "other", tags=["git"]),
            _candidate(6, "down", status="failed", error="process exited with code 1"),
            _candidate(7, "denied", denied_tools=["query"]),
        ],
        tool="query",
    )
    assert decision["chosen"] == {"id": 2, "name": "fast"}
    by_name = {c["server"]: c for c in decision["candidates"]}
    assert by_name["fast"]["verdict"] == "chosen"
    assert by_name["slow"]["verdict"] == "eligible" and by_name["slow"]["rank"] == 2
    assert by_name["off"]["reasons"] == ["disabled"]
    assert "breaker open (retry in 12s)" in by_name["tripped"]["reasons"]
    assert by_name["other"]["reasons"][0].startswith("missing capability 'search'")
    assert "process exited with code 1" in by_name["down"]["reasons"][0]
    assert "denied" in by_name["denied"]["reasons"][0]
    priority = router.explain(
        "search",
        [_candidate(1, "a", latency_ms=90.0, priority=5), _candidate(2, "b", latency_ms=1.0)],
    )
    assert priority["chosen"]["name"] == "a"


def test_project_servers_win_for_their_project_only():
    candidates = [
        _candidate(1, "global", priority=9),
        _candidate(2, "mine", scope="project", project_id=7),
    ]
    assert router.choose("search", candidates, project_id=7) == 2
    decision = router.explain("search", candidates, project_id=8)
    assert decision["chosen"]["name"] == "global"
    assert "belongs to project 7" in decision["candidates"][1]["reasons"][0]
    assert router.choose("nothing", candidates) is None
