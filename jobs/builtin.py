"""Built-in job kinds that exercise the machinery: a counter and a job that fails on purpose.

They are how operators (and tests) check that a worker picks up work, reports progress, honours
cancel and retries, without any time-based sleeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobs.registry import JobContext, job

GATE_WAIT_SECONDS = 3600.0


@job("count")
def count(ctx: JobContext, *, steps: int = 10, gate: str | None = None) -> dict[str, Any]:
    """Count to ``steps``, reporting progress; with ``gate``, wait before each step for that file.

    The gate lets a test hold the job in "running" (to cancel it or kill its worker) and release it
    by creating the file, instead of guessing with sleeps.
    """
    steps = max(0, int(steps))
    for done in range(steps):
        ctx.progress(done / steps if steps else 1.0, f"step {done + 1} of {steps}")
        if gate is not None:
            ctx.wait(GATE_WAIT_SECONDS, until=Path(gate).exists)
    ctx.progress(1.0, f"counted to {steps}")
    return {"counted": steps}


@job("fail")
def fail(ctx: JobContext, *, message: str = "failed on purpose", times: int = -1) -> dict[str, Any]:
    """Raise on the first ``times`` attempts (every attempt when negative), then succeed."""
    ctx.progress(0.5, "about to fail" if times < 0 or ctx.attempt <= times else "succeeding")
    if times < 0 or ctx.attempt <= times:
        raise RuntimeError(message)
    return {"attempts": ctx.attempt}
