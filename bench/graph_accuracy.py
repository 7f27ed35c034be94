"""Precision and recall of the graph resolver over the accuracy suite (tests/fixtures/graph).

Usage: python bench/graph_accuracy.py [SUITE_DIR] [-v]
Precision counts first: an edge we report must be right. Each case lists every expected edge
of the checked kinds (calls, imports, inherits, instantiates); anything else is a false positive.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vibe.graph.engine.accuracy import cases, precision_recall, score_case  # noqa: E402


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    suite = Path(args[0]) if args else ROOT / "tests" / "fixtures" / "graph"
    scores = []
    for case in cases(suite):
        score = score_case(case)
        scores.append(score)
        tp, fp, fn = (
            len(s) for s in (score.true_positives, score.false_positives, score.false_negatives)
        )
        print(f"{case.name:28} tp={tp:3} fp={fp:2} fn={fn:2} {'ok' if score.perfect else 'FAIL'}")
        if verbose:
            for edge in sorted(score.false_positives):
                print("    unexpected", *edge)
            for edge in sorted(score.false_negatives):
                print("    missing   ", *edge)
    precision, recall = precision_recall(scores)
    print(f"cases {len(scores)}  precision {precision:.3f}  recall {recall:.3f}")


if __name__ == "__main__":
    main()
