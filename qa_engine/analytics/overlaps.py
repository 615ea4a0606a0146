"""Double talk: every span where agent and customer speak at once, and who cut in; on a mono
recording, where double talk cannot be measured, the agent's turns begun with no pause."""

from __future__ import annotations

from itertools import pairwise

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


def takeovers_without_pause(agent: list[Span], customer: list[Span], speech: list[Span],
                            params: AnalyticsParams) -> list[Span]:
    """Mono: the moments the agent took the floor from the customer with no pause in the mix.

    A mono mix gives every moment to one speaker, so an interruption cannot be measured as
    double talk. What one channel does show is the pause: a customer who has finished leaves
    one before the agent speaks, and an agent talking over the customer leaves none. A
    takeover counts as paused when the mix (``speech``: its VAD speech) is silent for at least
    ``takeover_pause_s`` within ``takeover_window_s`` of the change of speaker, wherever the
    diarization put the change. A customer's backchannel (a span under ``takeover_min_turn_s``,
    嗯 or 对 inside the agent's talk) is no floor to take. Returned: the first second of each
    unpaused agent turn.
    """
    agent = [a for a in merge(agent) if a.duration >= params.takeover_min_turn_s]
    customer = [c for c in merge(customer) if c.duration >= params.takeover_min_turn_s]
    # No VAD speech (nothing measured) leaves no silence: every takeover is listed, never passed.
    silences = _gaps(merge(speech), params.takeover_pause_s)
    out: list[Span] = []
    for i, a in enumerate(agent):
        before = [c for c in customer if c.start < a.start]
        if not before or (i and agent[i - 1].end > before[-1].end):
            continue  # the agent spoke first, or last: nothing was taken from the customer
        if not any(_opens(g, min(before[-1].end, a.start), a.start, params.takeover_window_s) for g in silences):
            out.append(Span(start=a.start, end=min(a.end, a.start + 1.0)))
    return out


def _opens(silence: Span, change: float, agent_start: float, window: float) -> bool:
    """The agent began out of this silence: it ends where the agent starts (within ``window``),
    between the customer's last speech and that start. A pause the agent makes after cutting in,
    or one inside the customer's sentence well before, does not count."""
    return change - window <= silence.end <= agent_start + window and silence.start <= agent_start


def _gaps(speech: list[Span], min_s: float) -> list[Span]:
    """Silences of at least ``min_s`` between consecutive speech spans."""
    return [Span(start=x.end, end=y.start) for x, y in pairwise(speech) if y.start - x.end >= min_s]
