"""The build's chunk groups are added to the Vite config Reflex writes, once, and loudly not at
all when the config no longer has the place they go."""

from __future__ import annotations

import pytest

from vibe.ui.bundle import CHUNK_GROUPS, add_chunk_groups

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
