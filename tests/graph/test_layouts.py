"""Stored view layouts: one file per (index, view key), merged per generation."""

from __future__ import annotations

from vibe.graph import layouts


def test_positions_merge_within_a_generation_and_seed_the_next():
    assert layouts.read(1, "overview|auto", 1, ["a"]) == ({}, layouts.NONE)
    assert layouts.save(1, "overview|auto", 1, {"a": (1.0, 2.0)})
    assert layouts.save(1, "overview|auto", 1, {"b": (3.0, 4.0)})
    found, state = layouts.read(1, "overview|auto", 1, ["a", "b", "c"])
    assert state == layouts.EXACT and found == {"a": (1.0, 2.0), "b": (3.0, 4.0)}
    assert layouts.read(1, "overview|auto", 2, ["a"]) == ({"a": (1.0, 2.0)}, layouts.SEEDED)
    assert layouts.read(1, "overview|package", 1, ["a"]) == ({}, layouts.NONE)
    assert layouts.read(2, "overview|auto", 1, ["a"]) == ({}, layouts.NONE)


def test_an_older_generation_never_replaces_a_newer_layout():
    assert layouts.save(1, "v", 3, {"a": (1.0, 1.0)})
    assert not layouts.save(1, "v", 2, {"a": (9.0, 9.0)})
    assert layouts.read(1, "v", 2, ["a"]) == ({}, layouts.NONE)
    assert layouts.read(1, "v", 3, ["a"]) == ({"a": (1.0, 1.0)}, layouts.EXACT)


def test_a_layout_that_grew_too_big_keeps_only_the_latest_positions(monkeypatch):
    monkeypatch.setattr(layouts, "MAX_POSITIONS", 3)
    layouts.save(1, "v", 1, {"a": (0.0, 0.0), "b": (0.0, 0.0)})
    layouts.save(1, "v", 1, {"c": (1.0, 1.0), "d": (1.0, 1.0)})
    found, _ = layouts.read(1, "v", 1, ["a", "b", "c", "d"])
    assert set(found) == {"c", "d"}
    layouts.clear(1)
    assert layouts.read(1, "v", 1, ["c"]) == ({}, layouts.NONE)
