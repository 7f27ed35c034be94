"""Property: any sequence of edits applied incrementally gives the clean re-index's graph."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.graph.engine.test_index import normal, write
from vibe.graph.engine.index import GraphIndex

PATHS = [
    "a.py",
    "b.py",
    "pkg/__init__.py",
    "pkg/c.py",
    "pkg/d.py",
    "src/x.js",
    "src/y.js",
    "src/lib/index.js",
    "bin.py",
]
SNIPPETS = [
    "class Thing:\n    def run(self):\n        return helper()\n\ndef helper():\n    return 1\n",
    "from pkg import Thing\n\nclass Sub(Thing):\n    def go(self):\n        return self.run()\n",
    "from .c import *\nfrom .d import helper\n",
    "from a import Thing\nThing().run()\nimport b\nb.helper()\n",
    "def helper():\n    return 2\n\nThing = None\n",
    "from . import d\nfrom .d import Thing as T\n\nclass Mine(T):\n    pass\n\nd.helper()\n",
    "import pkg.c\npkg.c.Thing().run()\nfrom b import Sub\nSub().go()\n",
    "def broken(:\n",
    "export function f() { return g(); }\nexport function g() { return 1; }\n",
    "import { f } from './x';\nimport { g } from './lib';\nf();\ng();\n",
    "export * from '../x';\nexport { f as g } from '../y';\n",
    "export default class K { m() { return this.n(); } n() { return 1; } }\n",
]

edits = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.sampled_from(PATHS), st.sampled_from(SNIPPETS)),
        st.tuples(st.just("append"), st.sampled_from(PATHS), st.sampled_from(SNIPPETS)),
        st.tuples(st.just("delete"), st.sampled_from(PATHS), st.just("")),
        st.tuples(st.just("rename"), st.sampled_from(PATHS), st.sampled_from(PATHS)),
        st.tuples(st.just("binary"), st.sampled_from(PATHS), st.just("")),
    ),
    min_size=1,
    max_size=8,
)
initial = st.dictionaries(st.sampled_from(PATHS), st.sampled_from(SNIPPETS), max_size=len(PATHS))


def apply(root: Path, edit: tuple[str, str, str]) -> list[str]:
    op, path, arg = edit
    target = root / path
    if op == "write":
        write(root, path, arg)
    elif op == "append":
        old = target.read_text() if target.exists() else ""
        write(root, path, old + "\n" + arg)
    elif op == "binary":
        write(root, path, b"\x00binary")
    elif op == "delete" and target.exists():
        target.unlink()
    elif op == "rename" and target.exists() and arg != path:
        (root / arg).parent.mkdir(parents=True, exist_ok=True)
        target.rename(root / arg)
        return [path, arg]
    return [path]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=initial, steps=st.lists(edits, min_size=1, max_size=3))
def test_incremental_updates_equal_clean_reindex(start: dict[str, str], steps: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in start.items():
            write(root, path, text)
        index = GraphIndex(root, project="p")
        index.index_all()
        for batch in steps:
            changed: list[str] = []
            for edit in batch:
                changed += apply(root, edit)
            index.update(changed)
            clean = GraphIndex(root, project="p")
            clean.index_all()
            assert normal(index.graph()) == normal(clean.graph())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=initial, batch=edits)
def test_restored_state_then_update_equals_clean_reindex(start: dict[str, str], batch) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, text in start.items():
            write(root, path, text)
        saved = GraphIndex(root, project="p")
        saved.index_all()
        restored = GraphIndex.from_state(
            root,
            pickle.loads(pickle.dumps(saved.files)),
            pickle.loads(pickle.dumps(saved.resolutions)),
            saved.skipped.values(),
            project="p",
        )
        assert normal(restored.graph()) == normal(saved.graph())
        changed: list[str] = []
        for edit in batch:
            changed += apply(root, edit)
        restored.update(changed)
        clean = GraphIndex(root, project="p")
        clean.index_all()
        assert normal(restored.graph()) == normal(clean.graph())
