from __future__ import annotations

from vibe.graph.engine.extract import extract_source

SOURCE = b'''"""Module doc."""
import os


class Repo(Base):
    """Stores things."""

    def save(self, item: "Item") -> bool:
        self.count = Counter()
        return True


def helper(x, *args, **kw):
    return x
'''


def test_definitions_have_lines_signatures_and_docstrings() -> None:
    result = extract_source("pkg/store.py", "python", SOURCE)
    defs = {d.qname: d for d in result.defs}
    assert result.module == "pkg.store"
    assert result.docstring == "Module doc."
    assert defs["pkg.store.Repo"].kind == "class"
    assert defs["pkg.store.Repo"].docstring == "Stores things."
    save = defs["pkg.store.Repo.save"]
    assert save.kind == "method"
    assert (save.start_line, save.end_line) == (8, 10)
    assert save.signature == 'def save(self, item: "Item") -> bool'
    assert defs["pkg.store.helper"].kind == "function"


def test_self_attributes_and_parameters_are_bound() -> None:
    result = extract_source("m.py", "python", SOURCE)
    repo = next(s for s in result.scopes if s.qname == "m.Repo")
    save = next(s for s in result.scopes if s.qname == "m.Repo.save")
    assert "count" in repo.self_attrs
    assert save.bindings["item"] == [("param", ("name", "Item"), 1)]
    assert repo.bases == [("name", "Base")]


def test_syntax_errors_are_recorded_and_the_rest_indexed() -> None:
    result = extract_source("bad.py", "python", b"def ok():\n    pass\n\ndef broken(:\n")
    assert result.errors
    assert "bad.ok" in {d.qname for d in result.defs}
