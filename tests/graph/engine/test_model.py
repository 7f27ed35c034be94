from __future__ import annotations

import pickle

from vibe.graph.engine.extract import extract_source
from vibe.graph.engine.model import Refs

REFS = [
    ("call", 0, ("name", "f"), 3, None),
    ("ref", 2, ("attr", ("name", "a"), "b"), 300, None),
    ("decorator", 1, ("name", "cache"), 7, None),
    ("new", 0, None, 70000, "new Thing()"),
]


def test_refs_iterate_as_the_tuples_they_were_built_from() -> None:
    refs = Refs(REFS)
    assert list(refs) == REFS
    assert list(refs) == REFS  # iterable again, not a one-shot iterator
    assert len(refs) == 4
    assert refs == REFS
    assert not Refs([])


def test_refs_survive_pickling() -> None:
    refs = pickle.loads(pickle.dumps(Refs(REFS), protocol=pickle.HIGHEST_PROTOCOL))
    assert isinstance(refs, Refs)
    assert list(refs) == REFS


def test_a_sealed_result_shares_empty_lists_and_keeps_the_rest() -> None:
    source = b"class A(B):\n    def f(self):\n        return g()\n\n\ndef h():\n    pass\n"
    result = extract_source("m.py", "python", source)
    a, f, h = (next(s for s in result.scopes if s.qname == q) for q in ("m.A", "m.A.f", "m.h"))
    assert a.bases == [("name", "B")]
    assert f.returns == [("call", ("name", "g"))]
    assert h.returns == () and h.bases == () and h.star_imports == ()
    assert isinstance(result.refs, Refs)
    assert ("call", 2, ("name", "g"), 3, None) in list(result.refs)
    copy = pickle.loads(pickle.dumps(result))
    assert list(copy.refs) == list(result.refs)
