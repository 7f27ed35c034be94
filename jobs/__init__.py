"""The RQ side of Vibe: job kinds, the runner, the worker and the embedded thread pool.

Start work with ``enqueue``; implement a kind with ``@job("kind")`` in a module of this package.
"""

from jobs.dispatch import enqueue
from jobs.registry import Cancelled, JobContext, JobTimedOut, job

__all__ = ["Cancelled", "JobContext", "JobTimedOut", "enqueue", "job"]
