"""Fixed-window rate limits: in memory by default, shared through Redis when configured.

Fixed windows are coarse but cheap and need one INCR per request, which is what login and token
endpoints need: a brake on guessing, not precise traffic shaping.
"""

from __future__ import annotations

import threading
import time

from vibe.core.errors import RateLimited
from vibe.core.redis import get_redis

_lock = threading.Lock()
_windows: dict[str, tuple[int, int]] = {}


def hit(key: str, limit: int, window_seconds: int = 60) -> None:
    """Count one hit for ``key``; raise RateLimited past ``limit`` in the current window."""
    if limit <= 0:
        return
    window = int(time.time() // window_seconds)
    client = get_redis()
    if client is not None:
        try:
            name = f"vibe:rl:{key}:{window}"
            pipe = client.pipeline()
            pipe.incr(name)
            pipe.expire(name, window_seconds + 5)
            count = int(pipe.execute()[0])
        except Exception:  # Redis down: fall back to this process's memory
            count = _local_hit(key, window)
    else:
        count = _local_hit(key, window)
    if count > limit:
        raise RateLimited("too many requests; try again in a minute")


def _local_hit(key: str, window: int) -> int:
    with _lock:
        prev_window, count = _windows.get(key, (window, 0))
        count = count + 1 if prev_window == window else 1
        _windows[key] = (window, count)
        if len(_windows) > 10_000:
            for k in [k for k, (w, _) in _windows.items() if w != window]:
                _windows.pop(k, None)
        return count


def reset() -> None:
    with _lock:
        _windows.clear()
