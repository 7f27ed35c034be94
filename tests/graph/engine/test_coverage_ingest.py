"""Coverage ingestion from real coverage.py runs (JSON with contexts, XML, lcov) and fixtures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vibe.graph.engine.api import index_path
from vibe.graph.engine.coverage_ingest import (
    CoverageResult,
    coverage_numbers,
    ingest_cobertura,
    ingest_coverage_json,
    ingest_lcov,
    qname_of_test,
)
from vibe.graph.engine.ids import node_id
from vibe.graph.engine.model import GraphData

EXTRAS = Path(__file__).parents[2] / "fixtures" / "graph_extras"
RC = "[run]\ndynamic_context = test_function\nsource = calc\n"
PYTEST_CONTEXTS = """
import coverage
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    # what pytest-cov's --cov-context=test records: the node id plus the phase
    coverage.Coverage.current().switch_context(item.nodeid + "|run")
    yield
"""
FUNCTIONS = {
    "calc.ops.add": (1, 1),
    "calc.ops.unused": (0, 2),
    "calc.ops.square": (1, 1),
    "calc.ops.Calculator": (3, 4),
    "calc.ops.Calculator.__init__": (1, 1),
    "calc.ops.Calculator.push": (2, 2),
    "calc.ops.Calculator.reset": (0, 1),
    "calc.ops.outer": (2, 2),
    "calc.ops.outer.inner": (1, 1),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = Path(shutil.copytree(EXTRAS / "covproj", tmp_path_factory.mktemp("cov") / "proj"))
    (root / ".coveragerc").write_text(RC)
    _coverage(root, "run", "run_tests.py")
    _coverage(root, "json", "--show-contexts", "-o", "cov.json")
    _coverage(root, "xml", "-o", "cov.xml")
    _coverage(root, "lcov", "-o", "cov.lcov")
    return root


@pytest.fixture(scope="module")
def graph(project: Path) -> GraphData:
    return index_path(project, project="p")


def _coverage(root: Path, *args: str) -> None:
    command = [sys.executable, "-m", "coverage", *args]
    subprocess.run(command, cwd=root, check=True, capture_output=True, timeout=120)


def _numbers(graph: GraphData, result: CoverageResult) -> dict[str, tuple[int, int]]:
    found = {}
    for node_id_, update in result.updates.items():
        node = graph.nodes[node_id_]
        if node.kind in ("function", "method", "class"):
            found[node.qname] = (update["coverage"]["covered"], update["coverage"]["total"])
    return found


def _covers(graph: GraphData, result: CoverageResult) -> set[tuple[str, str]]:
    assert {e.kind for e in result.edges} <= {"covers"}
    return {(result.tests[e.source].qname, graph.nodes[e.target].qname) for e in result.edges}


@pytest.mark.parametrize(
    ("context", "qname"),
    [
        ("tests/test_x.py::test_y|run", "tests.test_x.test_y"),
        ("tests/test_x.py::TestK::test_y[a-1]|setup", "tests.test_x.TestK.test_y"),
        ("tests.test_x.TestK.test_y", "tests.test_x.TestK.test_y"),
        ("pkg/tests/__init__.py::test_z", "pkg.tests.test_z"),
    ],
)
def test_qname_of_test(context: str, qname: str) -> None:
    assert qname_of_test(context) == qname


def test_coverage_numbers_treat_nothing_to_run_as_covered() -> None:
    assert coverage_numbers(0, 0) == {"covered": 0, "total": 0, "percent": 100.0}
    assert coverage_numbers(2, 3)["percent"] == 66.67


def test_json_with_test_function_contexts(project: Path, graph: GraphData) -> None:
    result = ingest_coverage_json(project / "cov.json", graph.nodes.values(), "p", project)
    assert result.unmatched == []
    assert _numbers(graph, result) == FUNCTIONS
    module = result.updates[node_id("p", "module", "calc.ops")]["coverage"]
    assert module == {"covered": 18, "total": 21, "percent": 85.71}
    assert node_id("p", "file", "calc/ops.py") in result.updates
    assert _covers(graph, result) == {
        ("tests.ops_cases.test_add", "calc.ops.add"),
        ("tests.ops_cases.test_calculator", "calc.ops.add"),
        ("tests.ops_cases.test_calculator", "calc.ops.Calculator.__init__"),
        ("tests.ops_cases.test_calculator", "calc.ops.Calculator.push"),
        ("tests.ops_cases.TestMore.test_square", "calc.ops.square"),
        ("tests.ops_cases.TestMore.test_outer", "calc.ops.outer"),
        ("tests.ops_cases.TestMore.test_outer", "calc.ops.outer.inner"),
    }
    test = result.tests[node_id("p", "test", "tests.ops_cases.TestMore.test_square")]
    assert test.kind == "test" and test.file == "tests/ops_cases.py"
    assert test.attrs["function"] == node_id("p", "method", "tests.ops_cases.TestMore.test_square")


def test_json_with_pytest_node_id_contexts(tmp_path: Path) -> None:
    root = Path(shutil.copytree(EXTRAS / "covproj", tmp_path / "proj"))
    (root / "conftest.py").write_text(PYTEST_CONTEXTS)
    (root / ".coveragerc").write_text("[run]\nsource = calc\n")
    _coverage(root, "run", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/ops_cases.py")
    _coverage(root, "json", "--show-contexts", "-o", "cov.json")
    raw = json.loads((root / "cov.json").read_text())
    contexts = {c for f in raw["files"].values() for cs in f["contexts"].values() for c in cs}
    assert "tests/ops_cases.py::test_add_param[1]|run" in contexts  # the real shape
    graph = index_path(root, project="p")
    result = ingest_coverage_json(raw, graph.nodes.values(), "p", root)
    covers = _covers(graph, result)
    assert ("tests.ops_cases.test_add_param", "calc.ops.add") in covers  # both params → one test
    assert ("tests.ops_cases.TestMore.test_outer", "calc.ops.outer.inner") in covers
    assert len(result.tests) == 5


def test_absolute_paths_in_json_are_mapped_to_the_root(project: Path, graph: GraphData) -> None:
    raw = json.loads((project / "cov.json").read_text())
    raw["files"] = {str(project / k): v for k, v in raw["files"].items()}
    raw["files"]["/elsewhere/not_indexed.py"] = {"summary": {}}
    result = ingest_coverage_json(raw, graph.nodes.values(), "p", project)
    assert _numbers(graph, result) == FUNCTIONS
    assert result.unmatched == ["/elsewhere/not_indexed.py"]


@pytest.mark.parametrize(("reader", "report"), [(ingest_cobertura, "xml"), (ingest_lcov, "lcov")])
def test_line_formats_match_coverage_py_function_numbers(
    reader, report: str, project: Path, graph: GraphData
) -> None:
    result = reader(project / f"cov.{report}", graph.nodes.values(), "p", project)
    assert result.unmatched == []
    assert _numbers(graph, result) == FUNCTIONS
    assert result.updates[node_id("p", "module", "calc.ops")]["coverage"]["total"] == 21


def test_cobertura_fixture_maps_foreign_source_paths(graph: GraphData) -> None:
    result = ingest_cobertura(EXTRAS / "coverage" / "ops.xml", graph.nodes.values(), "p")
    assert result.unmatched == ["calc/gone.py"]
    numbers = _numbers(graph, result)
    assert numbers["calc.ops.add"] == (1, 1) and numbers["calc.ops.unused"] == (0, 2)
    assert numbers["calc.ops.Calculator"] == (3, 4)


def test_lcov_fixture_with_test_names(graph: GraphData) -> None:
    result = ingest_lcov(EXTRAS / "coverage" / "util.lcov", graph.nodes.values(), "p")
    double = result.updates[node_id("p", "function", "web.util.double")]["coverage"]
    never = result.updates[node_id("p", "function", "web.util.never")]["coverage"]
    assert double == {"covered": 1, "total": 1, "percent": 100.0, "calls": 2}
    assert (never["covered"], never["total"], never["calls"]) == (2, 3, 1)
    assert _covers(graph, result) == {
        ("doubles", "web.util.double"),
        ("never_zero", "web.util.never"),
    }
