"""Settings: documented defaults, every setting in .env.example, compose consistent with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vibe.core.config import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE = ROOT / "docker-compose.yml"
DEPLOY_ONLY = {"VIBE_DOMAIN", "VIBE_ACME_EMAIL", "POSTGRES_PASSWORD"}


def _documented() -> dict[str, str]:
    """VIBE_NAME → the comment just above it (commented-out assignments count)."""
    found: dict[str, str] = {}
    lines = ENV_EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            comments = [ln for ln in lines[max(0, i - 2) : i] if ln.startswith("# ")]
            found[match.group(1)] = " ".join(comments)
    return found


def test_every_setting_is_in_env_example_with_its_description() -> None:
    documented = _documented()
    for name, field in Settings.model_fields.items():
        key = f"VIBE_{name.upper()}"
        assert key in documented, f"{key} is missing from .env.example"
        assert field.description, f"setting {name} has no description"
        assert field.description in documented[key], f"{key}: comment is not its description"


def test_env_example_has_no_unknown_vibe_variables() -> None:
    known = {f"VIBE_{n.upper()}" for n in Settings.model_fields} | DEPLOY_ONLY
    assert set(_documented()) - known == set()


def test_env_example_loads_as_settings() -> None:
    settings = Settings(_env_file=ENV_EXAMPLE)  # type: ignore[call-arg]
    assert settings.port == 3000


def test_defaults_are_the_embedded_laptop_setup(vibe_env: Path) -> None:
    settings = get_settings()
    assert settings.is_sqlite
    assert settings.resolved_database_url == f"sqlite:///{(vibe_env / 'vibe.db').resolve()}"
    assert settings.redis_url == ""
    assert settings.local_login_enabled


def test_local_login_turns_off_with_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_GITHUB_CLIENT_ID", "id")
    monkeypatch.setenv("VIBE_GITHUB_CLIENT_SECRET", "secret")
    get_settings.cache_clear()
    assert not get_settings().local_login_enabled
    monkeypatch.setenv("VIBE_ALLOW_LOCAL_LOGIN", "true")
    get_settings.cache_clear()
    assert get_settings().local_login_enabled


def test_postgres_url_gets_the_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBE_DATABASE_URL", "postgres://u:p@h/db")
    get_settings.cache_clear()
    assert get_settings().resolved_database_url == "postgresql+psycopg://u:p@h/db"


def test_compose_defines_the_services_and_uses_only_documented_variables() -> None:
    text = COMPOSE.read_text()
    services = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    names = set(re.findall(r"^  ([a-z]+):$", services, flags=re.M))
    assert names == {"app", "worker", "postgres", "redis", "caddy"}
    assert re.search(r"app:\n(.*\n)*?\s+command: \[\"vibe\", \"serve\".*\"0\.0\.0\.0\"", text)
    assert 'command: ["vibe", "worker"]' in text
    assert "image: postgres:16" in text and "image: redis:7" in text
    referenced = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    assert referenced, "compose should take its secrets from .env"
    assert referenced - set(_documented()) == set()


def test_compose_parses_as_yaml() -> None:
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(COMPOSE.read_text())
    assert set(data["services"]) == {"app", "worker", "postgres", "redis", "caddy"}
    assert data["services"]["postgres"]["healthcheck"]


def test_caddyfile_proxies_the_domain_to_the_app() -> None:
    text = (ROOT / "Caddyfile").read_text()
    assert "{$VIBE_DOMAIN}" in text and "reverse_proxy app:3000" in text
    assert "email {$VIBE_ACME_EMAIL}" in text
