"""Reflex configuration, filled from Vibe's settings; no logic lives here."""

import reflex as rx

from vibe.core.config import get_settings
from vibe.ui.bundle import ChunkGroupsPlugin
from vibe.ui.radix import RadixColorsPlugin
from vibe.ui.theme import theme_kwargs

_settings = get_settings()

config = rx.Config(
    app_name="vibe",
    telemetry_enabled=False,
    frontend_port=_settings.port,
    backend_port=_settings.port,
    deploy_url=_settings.public_url,
    redis_url=_settings.redis_url or None,
    state_manager_mode="redis" if _settings.redis_url else "memory",
    show_built_with_reflex=False,
    plugins=[RadixColorsPlugin(theme=rx.theme(**theme_kwargs)), ChunkGroupsPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
