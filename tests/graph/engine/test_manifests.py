"""Manifests, lockfiles and import → package linking (manifests.py and pkgmap.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vibe.graph.engine.api import index_path
from vibe.graph.engine.ids import external_package_id, node_id
from vibe.graph.engine.manifests import (
    Declared,
    normalize_pypi,
    package_nodes,
    parse_requirement,
    read_yaml_subset,
    scan_manifests,
)
from vibe.graph.engine.model import Node
from vibe.graph.engine.pkgmap import (
    ImportUse,
    depends_on_edges,
    edge_versions,
    imports_from_graph,
    link_js,
    link_python,
    undeclared_imports,
)

FIXTURE = Path(__file__).parents[2] / "fixtures" / "graph_extras" / "manifests"


@pytest.fixture(scope="module")
def declared() -> dict[tuple[str, str], Declared]:
    return {(d.manifest, d.name): d for d in scan_manifests(FIXTURE)}


def test_normalize_pypi_follows_pep_503() -> None:
    assert normalize_pypi("Foo_Bar.baz--Qux") == "foo-bar-baz-qux"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("requests[socks] >= 2.31, <3", ("requests", ">=2.31,<3", "")),
        ("python-dateutil (>=2.8)", ("python-dateutil", ">=2.8", "")),
        ('attrs; python_version < "3.12"', ("attrs", "", 'python_version < "3.12"')),
        (
            "pkg @ https://x.org/p.whl ; os_name == 'nt'",
            ("pkg", "@ https://x.org/p.whl", "os_name == 'nt'"),
        ),
        ("-e .", None),
    ],
)
def test_parse_requirement(text: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_requirement(text) == expected


def test_requirements_follow_includes_and_strip_comments_hashes_and_options(declared) -> None:
    requests = declared["requirements-base.txt", "requests"]
    assert requests.constraint == ">=2.31,<3"
    assert declared["requirements-base.txt", "pyyaml"].version == "6.0.1"  # pinned with --hash
    assert declared["requirements-base.txt", "importlib-metadata"].markers.startswith(
        "python_version"
    )
    assert declared["requirements.txt", "pillow"].constraint == "~=10.0"
    assert declared["requirements.txt", "beautifulsoup4"].constraint.startswith("@ https://")
    assert declared["requirements.txt", "example-project"].constraint.startswith("git+https://")
    assert not any(name.startswith(".") for _, name in declared)


def test_requirements_dev_file_is_dev_and_constraints_pin_versions(declared) -> None:
    assert declared["requirements-dev.txt", "pytest"].dev
    assert declared["requirements-dev.txt", "ruff"].version == "0.6.9"
    assert not declared["requirements.txt", "scikit-learn"].dev


def test_pyproject_pep621_extras_groups_and_poetry(declared) -> None:
    assert declared["pyproject.toml", "python-dateutil"].constraint == ">=2.8"
    assert declared["pyproject.toml", "sphinx"].dev  # extra "docs"
    assert not declared["pyproject.toml", "psycopg"].dev  # extra "postgres" is a runtime extra
    assert declared["pyproject.toml", "coverage"].group == "group:test"
    assert declared["pyproject.toml", "opencv-python"].version == "4.9.0.80"  # from poetry.lock
    assert declared["pyproject.toml", "black"].dev and declared["pyproject.toml", "black"].version
    assert declared["pyproject.toml", "mylib"].constraint.startswith("git:")
    assert ("pyproject.toml", "fixture-app") not in declared  # self-reference in extras
    assert ("pyproject.toml", "python") not in declared


def test_uv_lock_versions(declared) -> None:
    assert declared["uvproj/pyproject.toml", "jinja2"].version == "3.1.4"
    assert declared["uvproj/pyproject.toml", "pytest-asyncio"].dev


@pytest.mark.parametrize(
    ("manifest", "name", "version", "dev"),
    [
        ("web/package.json", "react", "18.2.0", False),
        ("web/package.json", "@tanstack/react-query", "5.28.4", False),
        ("web/package.json", "vite", "5.2.8", True),
        ("web/package.json", "react-dom", "18.2.0", False),
        ("yarn1/package.json", "@babel/core", "7.24.4", False),
        ("yarn1/package.json", "jest", "29.7.0", True),
        ("berry/package.json", "lodash", "4.17.21", False),
        ("berry/package.json", "chalk", "5.3.0", False),
        ("pnpm/package.json", "@vueuse/core", "10.9.0", False),
        ("pnpm/package.json", "vitest", "1.5.0", True),
        ("pnpm6/package.json", "express", "4.19.2", False),
    ],
)
def test_npm_lockfiles(declared, manifest: str, name: str, version: str, dev: bool) -> None:
    item = declared[manifest, name]
    assert (item.ecosystem, item.version, item.dev) == ("npm", version, dev)


def test_node_modules_and_virtualenvs_are_not_scanned(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "p")
    venv = tmp_path / "p" / "env"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr\n")
    (venv / "requirements.txt").write_text("evil\n")
    names = {d.name for d in scan_manifests(tmp_path / "p")}
    assert "evil" not in names and "react" in names


def test_yaml_subset_reads_nested_maps_and_skips_unwanted_sections() -> None:
    text = (
        "a: 1\nimporters:\n  .:\n    dependencies:\n      '@x/y':\n"
        "        version: 1.0.0 # c\nb:\n  c: 2\n  - d\n"
    )
    assert read_yaml_subset(text, {"importers"}) == {
        "importers": {".": {"dependencies": {"@x/y": {"version": "1.0.0"}}}}
    }


def test_package_nodes_merge_declarations_with_engine_ids(declared) -> None:
    nodes = {n.qname: n for n in package_nodes("p", declared.values())}
    requests = nodes["requests"]
    assert requests.id == external_package_id("p", "requests")
    assert requests.kind == "external_package"
    assert requests.attrs["manifests"] == ["pyproject.toml", "requirements-base.txt"]
    assert requests.attrs["version"] == "2.31.0" and requests.attrs["ecosystem"] == "pypi"
    assert nodes["pytest"].attrs["dev"] and not nodes["lodash"].attrs["dev"]
    assert len(nodes["lodash"].attrs["declarations"]) == 2


def test_broken_manifest_declares_nothing(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{not json")
    (tmp_path / "pyproject.toml").write_text("[project\n")
    (tmp_path / "requirements.txt").write_text("-r requirements.txt\nok\n")  # self-include
    assert [d.name for d in scan_manifests(tmp_path)] == ["ok"]


# -- pkgmap ----------------------------------------------------------------------------------------
DECLARED = {
    *("pyyaml", "pillow", "scikit-learn", "beautifulsoup4", "requests", "google-cloud-storage"),
    *("typing-extensions", "python-dateutil", "pyjwt", "django-cors-headers"),
}


@pytest.mark.parametrize(
    ("name", "package", "resolution"),
    [
        ("requests.adapters", "requests", "declared"),
        ("yaml", "pyyaml", "distribution-map"),
        ("PIL.Image", "pillow", "distribution-map"),
        ("sklearn.linear_model", "scikit-learn", "distribution-map"),
        ("bs4", "beautifulsoup4", "distribution-map"),
        ("jwt", "pyjwt", "distribution-map"),
        ("dateutil.parser", "python-dateutil", "distribution-map"),
        ("google.cloud.storage", "google-cloud-storage", "name-match"),
        ("corsheaders", "django-cors-headers", "distribution-map"),
    ],
)
def test_link_python(name: str, package: str, resolution: str) -> None:
    found = link_python(name, DECLARED)
    assert (found.kind, found.package, found.resolution) == ("package", package, resolution)
    assert 0 < found.confidence <= 1


def test_link_python_name_match_without_map() -> None:
    found = link_python("foo_bar.baz", {"python-foo-bar"})
    assert (found.package, found.resolution) == ("python-foo-bar", "name-match")


def test_link_python_stdlib_and_undeclared() -> None:
    assert link_python("os.path", DECLARED).kind == "stdlib"
    assert link_python("numpy", DECLARED).kind == "undeclared"


@pytest.mark.parametrize(
    ("spec", "kind", "package"),
    [
        ("@scope/pkg/sub/file.js", "package", "@scope/pkg"),
        ("react-dom/client", "package", "react-dom"),
        ("node:fs/promises", "builtin", "fs"),
        ("crypto", "builtin", "crypto"),
        ("./local", "local", ""),
        ("left-pad", "undeclared", "left-pad"),
    ],
)
def test_link_js(spec: str, kind: str, package: str) -> None:
    found = link_js(spec, {"@scope/pkg", "react-dom"})
    assert (found.kind, found.package) == (kind, package)


def _pkg(name: str, ecosystem: str, version: str) -> Node:
    attrs = {"ecosystem": ecosystem, "version": version}
    return Node(external_package_id("p", name), "external_package", name, name, attrs=attrs)


def test_depends_on_edges_link_modules_to_declared_packages() -> None:
    packages = [_pkg("pyyaml", "pypi", "6.0.1"), _pkg("react", "npm", "18.2.0")]
    imports = {
        "m1": [ImportUse("yaml", "python", "a.py", 1), ImportUse("os", "python", "a.py", 2)],
        "m2": [ImportUse("react", "typescript", "b.ts", 3), ImportUse("yaml", "typescript")],
        "m3": [ImportUse("numpy", "python", "c.py", 1)],
    }
    edges = depends_on_edges(imports, packages)
    assert [(e.source, e.target, e.kind, e.resolution) for e in edges] == [
        ("m1", packages[0].id, "depends_on", "distribution-map"),
        ("m2", packages[1].id, "depends_on", "declared"),
    ]
    assert edges[0].file == "a.py" and edges[0].line == 1
    assert edge_versions(edges, packages)["m2", packages[1].id] == "18.2.0"
    assert undeclared_imports(imports, packages) == {
        "m2": [ImportUse("yaml", "typescript")],  # no npm package called yaml is declared
        "m3": [ImportUse("numpy", "python", "c.py", 1)],
    }


def test_depends_on_from_a_real_index(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("PyYAML==6.0.1\nrequests\n")
    (tmp_path / "app.py").write_text("import yaml\nimport requests.adapters\nimport json\n")
    graph = index_path(tmp_path, project="p")
    packages = package_nodes("p", scan_manifests(tmp_path))
    edges = depends_on_edges(imports_from_graph(graph), packages)
    module = node_id("p", "module", "app")
    assert {(e.source, e.target) for e in edges} == {
        (module, external_package_id("p", "pyyaml")),
        (module, external_package_id("p", "requests")),
    }


def _import_targets(graph) -> set[str]:
    return {e.target for e in graph.edges if e.kind == "imports"}


def test_third_party_imports_point_at_the_declared_distribution(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("PyYAML==6.0.1\nrequests\n")
    (tmp_path / "app.py").write_text("import yaml\nimport requests.adapters\nimport json\n")
    graph = index_path(tmp_path, project="p")
    pyyaml = external_package_id("p", "pyyaml")
    assert _import_targets(graph) == {
        pyyaml,
        external_package_id("p", "requests"),
        external_package_id("p", "json"),
    }
    assert graph.nodes[pyyaml].attrs["version"] == "6.0.1"
    assert graph.nodes[pyyaml].attrs["stdlib"] is False


def test_without_manifests_imports_keep_the_import_name_ids(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import yaml\nyaml.safe_load('')\n")
    graph = index_path(tmp_path, project="p")
    assert _import_targets(graph) == {node_id("p", "external_package", "yaml")}
    assert node_id("p", "external_symbol", "yaml.safe_load") in graph.nodes


def test_editing_a_manifest_relinks_imports_incrementally(tmp_path: Path) -> None:
    from tests.graph.engine.test_index import normal
    from vibe.graph.engine.index import GraphIndex

    (tmp_path / "app.py").write_text("import yaml\nyaml.safe_load('')\n")
    (tmp_path / "other.py").write_text("import os\n")
    index = GraphIndex(tmp_path, project="p")
    index.index_all()
    (tmp_path / "requirements.txt").write_text("PyYAML\n")
    report = index.update(["requirements.txt"])
    assert report.resolved == ["app.py"]
    clean = GraphIndex(tmp_path, project="p")
    clean.index_all()
    assert normal(index.graph()) == normal(clean.graph())
    assert external_package_id("p", "pyyaml") in _import_targets(index.graph())
