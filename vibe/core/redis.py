"""The Redis client, when VIBE_REDIS_URL is set; None means the embedded mode."""

from __future__ import annotations

from redis import Redis

from vibe.core.config import get_settings

_clients: dict[str, Redis] = {}


def get_redis() -> Redis | None:
    url = get_settings().redis_url
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
    return client


def reset_clients() -> None:
    for client in _clients.values():
        client.close()
    _clients.clear()
