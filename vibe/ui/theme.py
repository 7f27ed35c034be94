"""Spacing and colours in one place so every page lines up."""

ACCENT = "indigo"
PAGE_MAX_WIDTH = "960px"
GAP = "4"  # Radix spacing scale step used between blocks
CARD_PADDING = "5"

theme_kwargs = {
    "accent_color": ACCENT,
    "gray_color": "slate",
    "radius": "medium",
    "scaling": "100%",
    "appearance": "light",
}
