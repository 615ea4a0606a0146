"""Where a transcript search matched: per call, the utterances with the hit marked in a snippet.

The index (``qa_engine.storage.search``) says which calls match; this module reads the utterances of
one page of them and finds the hits in the text the user may see (redacted for roles without
``policy.PII_READ``), with the same normalisation, so offsets point into what is shown.
"""

from __future__ import annotations

from sqlmodel import Session, select

from qa_engine import pii
from qa_engine.storage.models import UtteranceRow
from qa_engine.storage.search import find_all, normalise

MAX_HITS = 5          # utterances listed per call (``hit_count`` says how many matched)
CONTEXT_CHARS = 24    # characters of context kept either side of the first hit in a long utterance


def page_hits(session: Session, call_pks: list[int], query: str, *, pii_read: bool) -> dict[int, dict]:
    """Call pk → {"hits": [...], "hit_count": n} for the calls of one page; ``query`` normalised."""
    if not call_pks:
        return {}
    rows = session.exec(select(UtteranceRow.call_pk, UtteranceRow.speaker, UtteranceRow.start, UtteranceRow.end,
                               UtteranceRow.text)
                        .where(UtteranceRow.call_pk.in_(call_pks)).order_by(UtteranceRow.call_pk, UtteranceRow.idx))
    out = {pk: {"hits": [], "hit_count": 0} for pk in call_pks}
    for call_pk, speaker, start, end, text in rows:
        shown = text if pii_read else pii.redact(text)
        hit = utterance_hit(shown, query)
        if hit is None:
            continue
        found = out[call_pk]
        found["hit_count"] += 1
        if len(found["hits"]) < MAX_HITS:
            found["hits"].append({"speaker": speaker, "start": start, "end": end, **hit})
    return out


def utterance_hit(text: str, query: str) -> dict | None:
    """{"snippet", "marks"} when ``text`` contains ``query``: the snippet is the utterance (cut to the
    context around the first hit when long) and ``marks`` the [start, end) offsets of each hit in it."""
    norm = normalise(text)
    starts = find_all(norm.chars, query)
    if not starts:
        return None
    spans = [(norm.at[k], norm.at[k + len(query) - 1] + 1) for k in starts]
    lo = max(0, spans[0][0] - CONTEXT_CHARS)
    hi = min(len(text), max(spans[0][1] + 2 * CONTEXT_CHARS, lo + 3 * CONTEXT_CHARS))
    prefix, suffix = ("…" if lo > 0 else ""), ("…" if hi < len(text) else "")
    shift = len(prefix) - lo
    marks = [[a + shift, b + shift] for a, b in spans if a >= lo and b <= hi]
    return {"snippet": prefix + text[lo:hi] + suffix, "marks": marks}
