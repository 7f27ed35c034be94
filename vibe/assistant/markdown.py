"""The assistant's answers as Markdown, with the renderer loaded when the first answer shows.

``rx.markdown`` imports its parser, KaTeX (with its CSS) and a code highlighter into the page
module itself: on the editor page that was most of its JavaScript, parsed on every load although
the assistant panel starts closed. ``markdown.jsx`` next to this module renders the same
Markdown (GFM, math, highlighted code blocks); this component imports it lazily, so it becomes
a chunk of its own that the browser fetches the first time an answer is rendered.
"""

from __future__ import annotations

import reflex as rx

_LIBRARY = "$/public" + rx.asset("markdown.jsx", shared=True)


class LazyMarkdown(rx.NoSSRComponent):
    """Markdown text, rendered by ``markdown.jsx`` once that chunk has loaded."""

    library = _LIBRARY
    tag = "VibeMarkdown"
    is_default = True
    lib_dependencies: list[str] = [
        "react-markdown@10.1.0",
        "remark-gfm@4.0.1",
        "remark-math@6.0.0",
        "rehype-katex@7.0.1",
        "rehype-unwrap-images@1.0.0",
        "react-syntax-highlighter@16.1.2",
    ]

    text: rx.Var[str]


markdown = LazyMarkdown.create
