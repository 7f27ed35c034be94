"""The project pages build and compile to JavaScript with the element ids e2e tests rely on.

Compiling in memory (no .web build) catches Var mistakes - Python ``if`` over a Var, a wrong
prop type - in well under a second instead of at ``vibe serve``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("reflex")


@pytest.fixture(scope="module")
def compiled() -> dict[str, str]:
    from reflex.compiler.compiler import compile_page

    import vibe.vibe  # noqa: F401  (registers every page, as the app does)
    from vibe.projects import pages
    from vibe.ui import routes

    built = {}
    for route, page in (
        (routes.PROJECTS, pages.projects),
        (routes.PROJECT, pages.project),
        (routes.PROJECT_SETTINGS, pages.project_settings),
    ):
        built[route] = compile_page(route, page())[1]
    return built


def test_projects_page_ids(compiled):
    code = compiled["/projects"]
    for element_id in ("new-project", "project-name", "project-description", "create-project"):
        assert f'"{element_id}"' in code
    assert "project-card-" in code
    assert "project-switcher" in code


def test_settings_page_ids(compiled):
    code = compiled["/projects/[slug]/settings"]
    for element_id in (
        "settings-name",
        "save-settings",
        "delete-project",
        "delete-confirm-input",
        "delete-confirm",
    ):
        assert f'"{element_id}"' in code


def test_project_page_has_tree_and_settings_link(compiled):
    code = compiled["/projects/[slug]"]
    assert '"file-tree"' in code
    assert '"project-settings-link"' in code


def test_time_ago():
    from datetime import UTC, datetime, timedelta

    from vibe.projects.state import time_ago

    now = datetime(2026, 1, 31, tzinfo=UTC)
    assert time_ago(now - timedelta(seconds=5), now) == "just now"
    assert time_ago(now - timedelta(minutes=1), now) == "1 minute ago"
    assert time_ago(now - timedelta(hours=3), now) == "3 hours ago"
    assert time_ago(now - timedelta(days=2), now) == "2 days ago"
    assert time_ago(now - timedelta(days=45), now) == "17 Dec 2025"
