"""Route constants and URL builders, so no page hard-codes another page's path."""

from urllib.parse import unquote

LOGIN = "/login"
PROJECTS = "/projects"
PROFILE = "/profile"
PROJECT = "/projects/[slug]"
PROJECT_SETTINGS = "/projects/[slug]/settings"
SETTINGS_AI = "/settings/ai"

API = "/api/v1"
LOGIN_GITHUB = f"{API}/auth/login/github"
LOGIN_HF = f"{API}/auth/login/huggingface"
LOGIN_LOCAL = f"{API}/auth/local"
LOGOUT = f"{API}/auth/logout"


def project(slug: str) -> str:
    return f"/projects/{slug}"


def project_settings(slug: str) -> str:
    return f"/projects/{slug}/settings"


def slug_in(path: str) -> str:
    """The project slug in a page's path (``/projects/<slug>/…``), "" on other pages. Page states
    read it from ``router.url.path``: Reflex deprecates ``router.page.params``."""
    parts = [unquote(part) for part in path.split("/") if part]
    if "projects" not in parts:
        return ""
    at = parts.index("projects") + 1
    return parts[at] if at < len(parts) else ""
