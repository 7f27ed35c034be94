"""The build's chunk groups are added to the Vite config Reflex writes, once, and loudly not at
all when the config no longer has the place they go; likewise Reflex's state code takes only the
version from reflex.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from vibe.ui.bundle import CHUNK_GROUPS, add_chunk_groups, version_only

CONFIG = """export default defineConfig((config) => ({
  build: {
    rollupOptions: {
      output: {
        codeSplitting: {
          groups: [
            {
              test: /env.json/,
              name: "reflex-env",
            },
          ],
        },
      },
    },
  },
}));"""


def test_groups_go_first_and_only_once():
    patched = add_chunk_groups(CONFIG)
    assert patched.index('name: "icons"') < patched.index('name: "radix"') < patched.index("env")
    assert add_chunk_groups(patched) == patched
    assert patched.count(CHUNK_GROUPS) == 1


def test_a_changed_config_is_an_error_not_a_silent_skip():
    with pytest.raises(RuntimeError, match="chunk groups"):
        add_chunk_groups(CONFIG.replace("groups: [", "chunks: ["))


def test_the_plugin_is_configured():
    import rxconfig

    names = [type(p).__name__ for p in rxconfig.config.plugins]
    assert "ChunkGroupsPlugin" in names


def _reflex_state_js() -> str:
    import reflex_base

    return (Path(reflex_base.__file__).parent / ".templates/web/utils/state.js").read_text("utf-8")


def test_state_js_takes_only_the_version_from_reflex_json():
    state_js = _reflex_state_js()
    patched = version_only(state_js)
    assert 'import { version as reflexVersion } from "$/reflex.json";' in patched
    assert "import reflexEnvironment from" not in patched
    assert version_only(patched) == patched


def test_a_changed_state_js_is_an_error_not_a_silent_skip():
    state_js = _reflex_state_js()
    other_field = state_js.replace("reflexEnvironment.version", "reflexEnvironment.project_hash")
    with pytest.raises(RuntimeError, match=r"reflex\.json"):
        version_only(other_field)
    with pytest.raises(RuntimeError, match=r"reflex\.json"):
        version_only(state_js.replace('from "$/reflex.json"', 'from "$/other.json"'))
