from __future__ import annotations

from vibe.graph.engine.ids import external_package_id, module_qname, node_id


def test_node_id_is_stable_and_kind_sensitive() -> None:
    assert node_id("p", "function", "a.b") == node_id("p", "function", "a.b")
    assert node_id("p", "function", "a.b") != node_id("p", "method", "a.b")
    assert node_id("p", "function", "a.b") != node_id("q", "function", "a.b")


def test_external_package_id_is_derived_from_the_name() -> None:
    assert external_package_id("p", "yaml") == node_id("p", "external_package", "yaml")


def test_module_qnames() -> None:
    assert module_qname("pkg/sub/mod.py") == ("pkg.sub.mod", False)
    assert module_qname("pkg/__init__.py") == ("pkg", True)
    assert module_qname("src/lib/index.ts") == ("src.lib", True)
    assert module_qname("types/api.d.ts") == ("types.api", False)
    assert module_qname("main.py") == ("main", False)
