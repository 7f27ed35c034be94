"""Reflex follows Vibe's settings: in-memory state by default, Redis when configured."""

import importlib

from vibe.core.config import get_settings


def _load():
    import rxconfig

    return importlib.reload(rxconfig).config


def test_embedded_defaults():
    config = _load()
    assert config.app_name == "vibe"
    assert config.state_manager_mode == "memory"
    assert not config.redis_url


def test_redis_state_manager_when_configured(monkeypatch):
    monkeypatch.setenv("VIBE_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("VIBE_PORT", "3456")
    get_settings.cache_clear()
    config = _load()
    assert config.state_manager_mode == "redis"
    assert config.redis_url == "redis://127.0.0.1:6379/3"
    assert config.frontend_port == config.backend_port == 3456
