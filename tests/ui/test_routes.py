import pytest

from vibe.ui import routes


@pytest.mark.parametrize(
    ("path", "slug"),
    [
        ("/projects/demo", "demo"),
        ("/projects/demo/graph", "demo"),
        ("/projects/demo/settings/", "demo"),
        ("/app/projects/my%20app/graph", "my app"),  # behind a frontend path prefix, quoted
        ("/projects", ""),
        ("/projects/", ""),
        ("/settings/mcp", ""),
        ("", ""),
    ],
)
def test_the_project_slug_is_read_from_the_page_path(path: str, slug: str) -> None:
    assert routes.slug_in(path) == slug
