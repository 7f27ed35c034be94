"""Every accuracy case finds exactly its expected edges: nothing missing, nothing extra."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibe.graph.engine.accuracy import cases, precision_recall, score_case

SUITE = Path(__file__).parents[2] / "fixtures" / "graph"


@pytest.mark.parametrize("case", cases(SUITE), ids=lambda p: p.name)
def test_case_edges_match_expected(case: Path) -> None:
    score = score_case(case)
    assert score.false_positives == set()
    assert score.false_negatives == set()
    assert score.missing_required == set()
    assert score.missing_unresolved == set()
    assert score.wrong_stdlib == {}


def test_suite_covers_python_javascript_and_typescript() -> None:
    names = {case.name.split("_", 1)[0] for case in cases(SUITE)}
    assert {"py", "js", "ts"} <= names


def test_precision_is_computed_over_all_cases() -> None:
    scores = [score_case(case) for case in cases(SUITE)[:2]]
    precision, recall = precision_recall(scores)
    assert precision == 1.0
    assert recall == 1.0
