"""git push and fetch with progress and cancel: the network half of the git panel's remote work.

Both can take minutes on a big repository or a slow remote, so they run as jobs (see
``vibe/editor/jobs.py``). git prints its progress (``Writing objects:  45% (9/20)``) on stderr
with ``--progress``; a reader thread keeps the latest line, and the caller's ``report`` is called
with it every tick. ``report`` may raise (the job's ``Cancelled``): git is then killed, so nothing
keeps running after a cancel (git runs in a process group of its own, which is killed whole:
with a local remote, the receiving side and its hooks are git's children).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from vibe.projects import gitrepo
from vibe.projects.gitrepo import Author, GitError

Report = Callable[[float, str], None]

TICK_SECONDS = 0.1
READER_JOIN_SECONDS = 1.0
TRANSFER_TIMEOUT_SECONDS = 1800
# Where each phase git reports sits in the whole transfer (start, end), push and fetch alike.
PHASES = {
    "Enumerating objects": (0.0, 0.05),
    "Counting objects": (0.05, 0.15),
    "Compressing objects": (0.15, 0.3),
    "Writing objects": (0.3, 0.95),
    "Receiving objects": (0.3, 0.85),
    "Resolving deltas": (0.85, 0.95),
}
_LINE = re.compile(r"^(?:remote: )?(?P<phase>[A-Z][a-z]+ [a-z]+):\s+(?P<pct>\d{1,3})%")


def parse_progress(line: str) -> tuple[float, str] | None:
    """``Writing objects:  45% (9/20)`` -> (overall fraction, the line); None for other lines."""
    found = _LINE.match(line.strip())
    if found is None or found.group("phase") not in PHASES:
        return None
    start, end = PHASES[found.group("phase")]
    pct = min(int(found.group("pct")), 100)
    return start + (end - start) * pct / 100, line.strip().removeprefix("remote: ")


class _Reader(threading.Thread):
    """Drain git's stderr (lines end in \\r or \\n); keep the latest progress and the rest."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        super().__init__(name="git-progress", daemon=True)
        self.stream = stream
        self.latest: tuple[float, str] | None = None
        self.text: list[str] = []

    def run(self) -> None:
        buffer = ""
        for chunk in iter(lambda: self.stream.read1(4096), b""):
            buffer += chunk.decode("utf-8", "replace")
            *lines, buffer = re.split(r"[\r\n]", buffer)
            for line in filter(None, lines):
                parsed = parse_progress(line)
                if parsed is not None:
                    self.latest = parsed
                else:
                    self.text.append(line)


def transfer(root: Path, args: tuple[str, ...], *, report: Report | None = None) -> None:
    """Run ``git <args> --progress`` in ``root``; GitError when git fails or runs too long."""
    cmd = ["git", "-c", "core.hooksPath=/dev/null", "-c", f"safe.directory={root.resolve()}"]
    proc = subprocess.Popen(
        [*cmd, *_with_progress(args)],
        cwd=root,
        env=gitrepo._env(Author()),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group: a cancel also stops a local remote's side
    )
    reader = _Reader(proc.stderr)
    reader.start()
    deadline = time.monotonic() + TRANSFER_TIMEOUT_SECONDS
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                raise GitError(f"git {_verb(args)} took longer than {TRANSFER_TIMEOUT_SECONDS} s")
            if report is not None and reader.latest is not None:
                report(*reader.latest)
            threading.Event().wait(TICK_SECONDS)
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        reader.join(timeout=READER_JOIN_SECONDS)
    if proc.returncode != 0:
        detail = "\n".join(reader.text).strip()[:500]
        raise GitError(f"git {_verb(args)} failed ({proc.returncode}): {detail}")


def _verb(args: tuple[str, ...]) -> str:
    return next(a for a in args if a in ("push", "fetch"))


def _with_progress(args: tuple[str, ...]) -> list[str]:
    """``--progress`` right after the verb: git only reports progress to a terminal otherwise."""
    at = args.index(_verb(args)) + 1
    return [*args[:at], "--progress", *args[at:]]
