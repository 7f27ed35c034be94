"""Make the graph jobs known to every worker (the registry imports jobs.* modules)."""

import vibe.graph.jobs  # noqa: F401
