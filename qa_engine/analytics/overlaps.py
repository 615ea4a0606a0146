"""Double talk: every span where agent and customer speak at once, and who cut in."""

from __future__ import annotations

from qa_engine.analytics.params import AnalyticsParams
from qa_engine.analytics.spans import merge
from qa_engine.types import Overlap, Span


def find_overlaps(agent: list[Span], customer: list[Span], params: AnalyticsParams) -> list[Overlap]:
    """Overlaps of at least ``overlap_min_s``; the interrupter started while the other was speaking."""
    out: list[Overlap] = []
    for a in merge(agent):
        for c in merge(customer):
            start, end = max(a.start, c.start), min(a.end, c.end)
            if end - start >= params.overlap_min_s:
                who = "agent" if a.start > c.start else "customer"
                out.append(Overlap(start=start, end=end, interrupter=who))
    return sorted(out, key=lambda o: o.start)
