"""Transcript search in the dashboard: the search box's check, hits with the matched words
highlighted, and buttons that start the call's player at a hit (the call page's ``seek_{call_id}``)."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import ui
from dashboard.i18n import t
from qa_engine.api.services.search_hits import utterance_hit
from qa_engine.storage import search

QUERY_KEY = "search_q"  # the last search, so the call page can list the same hits


def checked_query(raw: str) -> str | None:
    """The search text when it can be searched; a warning and None when not (one letter, too long)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        search.parse_query(raw)
    except search.SearchQueryError:
        st.warning(t("search_invalid").format(min=search.MIN_CHARS, max=search.MAX_CHARS))
        return None
    return raw


def highlighted(snippet: str, marks: list) -> str:
    """The snippet as HTML, escaped, with each hit in <mark>."""
    out, pos = [], 0
    for a, b in marks:
        out += [html.escape(snippet[pos:a]), "<mark>", html.escape(snippet[a:b]), "</mark>"]
        pos = b
    return "".join(out) + html.escape(snippet[pos:])


def hit_row(hit: dict, key: str) -> bool:
    """One hit: a button with its time (True when clicked), who spoke and the highlighted snippet."""
    c1, c2 = st.columns([1.2, 6], vertical_alignment="center")
    clicked = c1.button(ui.mmss(hit["start"]), key=key, help=t("jump_to_hit"), icon=":material/play_arrow:")
    who = t(f"{hit['speaker']}_lane") if hit["speaker"] in ("agent", "customer") else hit["speaker"]
    c2.markdown(f"{html.escape(who)}：{highlighted(hit['snippet'], hit['marks'])}", unsafe_allow_html=True)
    return clicked


def open_at(call_id: str, start: float, query: str) -> None:
    """Open the call page with its player at ``start``."""
    st.session_state["call_id"] = call_id
    st.session_state[f"seek_{call_id}"] = start
    st.session_state[QUERY_KEY] = query
    st.switch_page("pages/call_review.py")


def call_hits(transcript: list[dict], seek_key: str) -> None:
    """On the call page: the last search's hits in this call (as shown: redacted where it is), each
    one moving the player there."""
    query_text = st.session_state.get(QUERY_KEY)
    if not query_text:
        return
    query = search.normalise(query_text).chars
    hits = [u | hit for u in transcript if (hit := utterance_hit(u["text"], query))]
    with st.expander(t("search_in_call").format(q=query_text, n=len(hits)), expanded=bool(hits),
                     icon=":material/search:"):
        for i, hit in enumerate(hits):
            if hit_row(hit, key=f"call_hit_{i}"):
                st.session_state[seek_key] = hit["start"]
                st.rerun()
