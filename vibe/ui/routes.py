"""Route constants and URL builders, so no page hard-codes another page's path."""

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
