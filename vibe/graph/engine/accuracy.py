"""Scoring the resolver against hand-written expected edges (the accuracy suite).

Each case is a folder of source files plus `expected.json`: `edges` lists every edge of the
checked kinds as `[kind, source qname, target qname]` (anything else found is a false
positive), `references` lists edges that must exist, `unresolved` lists callee texts that must
stay unresolved, and `stdlib` maps external packages to their expected stdlib flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from vibe.graph.engine.api import index_path
from vibe.graph.engine.model import GraphData

CHECKED_KINDS = frozenset({"calls", "imports", "inherits", "instantiates"})
Triple = tuple[str, str, str]


@dataclass(slots=True)
class CaseScore:
    """What one case found against what it expected."""

    name: str
    expected: set[Triple]
    found: set[Triple]
    missing_required: set[Triple] = field(default_factory=set)
    missing_unresolved: set[str] = field(default_factory=set)
    wrong_stdlib: dict[str, bool] = field(default_factory=dict)

    @property
    def true_positives(self) -> set[Triple]:
        return self.expected & self.found

    @property
    def false_positives(self) -> set[Triple]:
        return self.found - self.expected

    @property
    def false_negatives(self) -> set[Triple]:
        return self.expected - self.found

    @property
    def perfect(self) -> bool:
        problems = (self.false_positives, self.false_negatives, self.missing_required)
        return not any(problems) and not self.missing_unresolved and not self.wrong_stdlib


def triples(graph: GraphData, kinds: frozenset[str] = CHECKED_KINDS) -> set[Triple]:
    """Edges of `kinds` as (kind, source qname, target qname)."""
    nodes = graph.nodes
    return {
        (e.kind, nodes[e.source].qname, nodes[e.target].qname)
        for e in graph.edges
        if e.kind in kinds and e.source in nodes and e.target in nodes
    }


def score_case(case: Path) -> CaseScore:
    """Index one case folder and compare with its `expected.json`."""
    expected = json.loads((case / "expected.json").read_text())
    graph = index_path(case, project="accuracy")
    found = triples(graph)
    score = CaseScore(case.name, {tuple(e) for e in expected["edges"]}, found)
    score.missing_required = {tuple(e) for e in expected.get("references", [])} - triples(
        graph, frozenset({"references"})
    )
    texts = {u.target_text for u in graph.unresolved}
    score.missing_unresolved = set(expected.get("unresolved", [])) - texts
    packages = {n.qname: n.attrs.get("stdlib") for n in graph.nodes.values()}
    score.wrong_stdlib = {
        name: flag
        for name, flag in expected.get("stdlib", {}).items()
        if packages.get(name) != flag
    }
    return score


def cases(root: Path) -> list[Path]:
    """Case folders under the suite root, in name order."""
    return sorted(p.parent for p in root.glob("*/expected.json"))


def precision_recall(scores: list[CaseScore]) -> tuple[float, float]:
    """Micro-averaged precision and recall over all cases."""
    tp = sum(len(s.true_positives) for s in scores)
    fp = sum(len(s.false_positives) for s in scores)
    fn = sum(len(s.false_negatives) for s in scores)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall
