"""Vibe: a self-hostable, AI-assisted browser IDE."""

__version__ = "0.1.0"
