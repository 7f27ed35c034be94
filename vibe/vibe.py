"""The Reflex app: the API mounted in front, then every feature's pages."""

import reflex as rx

from vibe.api import create_api
from vibe.core.config import get_settings
from vibe.core.logging import setup_logging
from vibe.ui.theme import theme_kwargs

setup_logging(get_settings().log_level, get_settings().log_json)

app = rx.App(api_transformer=create_api(), theme=rx.theme(**theme_kwargs))

from vibe.auth import pages as _auth_pages  # noqa: E402,F401  (registers pages)
from vibe.editor import pages as _editor_pages  # noqa: E402,F401
from vibe.projects import pages as _project_pages  # noqa: E402,F401
