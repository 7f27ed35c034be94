"""Make the editor's git jobs (push, pull) known to every worker."""

import vibe.editor.jobs  # noqa: F401
