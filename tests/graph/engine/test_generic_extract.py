from __future__ import annotations

import pytest

from vibe.graph.engine.extract import extract_source
from vibe.graph.engine.languages import available

SAMPLES = {
    "go": (
        "cmd/main.go",
        b"package main\n\ntype Server struct{}\n\nfunc (s *Server) Run() {}\n\nfunc main() {}\n",
        {"cmd.main.main"},
    ),
    "rust": (
        "src/lib.rs",
        b"struct Point {}\nimpl Point { fn norm(&self) -> f64 { 0.0 } }\nfn main() {}\n",
        {"src.lib.Point", "src.lib.main"},
    ),
    "java": ("App.java", b"class App { void run() {} }\n", {"App.App", "App.App.run"}),
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_structure_only_languages_get_definitions(language: str) -> None:
    if not available(language):
        pytest.skip(f"{language} grammar not installed")
    path, source, expected = SAMPLES[language]
    result = extract_source(path, language, source)
    assert expected <= {d.qname for d in result.defs}
    assert not result.refs
