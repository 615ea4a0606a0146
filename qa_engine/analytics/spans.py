"""Interval arithmetic on sorted lists of spans."""

from __future__ import annotations

from qa_engine.types import Span


def merge(spans: list[Span], gap: float = 0.0) -> list[Span]:
    """Union of spans, joining those less than ``gap`` apart."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: s.start):
        if out and s.start <= out[-1].end + gap:
            out[-1] = Span(start=out[-1].start, end=max(out[-1].end, s.end))
        else:
            out.append(Span(start=s.start, end=s.end))
    return out


def subtract(spans: list[Span], remove: list[Span], min_s: float = 0.0) -> list[Span]:
    """Parts of ``spans`` outside ``remove``, dropping pieces shorter than ``min_s``."""
    cuts = merge(remove)
    out: list[Span] = []
    for s in spans:
        start = s.start
        for c in cuts:
            if c.end <= start or c.start >= s.end:
                continue
            if c.start > start:
                out.append(Span(start=start, end=c.start))
            start = max(start, c.end)
        if start < s.end:
            out.append(Span(start=start, end=s.end))
    return [s for s in out if s.duration >= min_s]


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    for x in merge(a):
        for y in merge(b):
            start, end = max(x.start, y.start), min(x.end, y.end)
            if end > start:
                out.append(Span(start=start, end=end))
    return out


def gaps(spans: list[Span], start: float, end: float) -> list[Span]:
    """The parts of [start, end] not covered by ``spans``."""
    return subtract([Span(start=start, end=end)], spans) if end > start else []


def total(spans: list[Span]) -> float:
    return sum(s.duration for s in merge(spans))
