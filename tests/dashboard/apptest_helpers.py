"""Helpers for reading what an AppTest page rendered."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def texts(at: AppTest) -> str:
    """Everything the page wrote as markdown, captions, headers, metrics and expander labels."""
    parts = [e.value for kind in ("markdown", "caption", "header", "subheader", "title", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [e.label for e in at.expander]
    return "\n".join(str(p) for p in parts)
