"""Holds (the agent away for a while mid-call) and dead air (nobody talking)."""

from __future__ import annotations

import numpy as np

from qa_engine.analytics.frames import Frames
from qa_engine.analytics.params import AnalyticsParams
from qa_engine.analytics.spans import gaps, intersect, merge, total
from qa_engine.types import Hold, Span


def find_holds(
    agent: list[Span], customer: list[Span], music: list[Span], agent_frames: Frames, params: AnalyticsParams
) -> list[Hold]:
    """Gaps of at least ``hold_min_s`` between agent speech in which the customer mostly waits.

    Only gaps after the agent's first and before the agent's last speech count. A music hold spans
    the music heard in the gap (the agent's "请稍等" may be followed by a short pause before the
    music starts); a silent or other hold spans the gap less the customer's replies at its edges
    ("好的" after "请稍等"), i.e. the time during which nobody speaks. A silent hold is entered by the
    agent: when the customer's speech that opens the silence is longer than ``hold_ack_max_s`` (a
    turn, not an acknowledgement), the agent never asked the customer to wait and the silence is
    left to ``find_dead_air``.
    """
    agent, customer = merge(agent), merge(customer)
    holds: list[Hold] = []
    for prev, nxt in zip(agent, agent[1:]):
        gap = Span(start=prev.end, end=nxt.start)
        in_music = intersect([gap], music)
        if gap.duration >= params.hold_min_s and total(in_music) >= params.hold_music_share * gap.duration:
            holds.append(Hold(start=in_music[0].start, end=in_music[-1].end, kind="music"))
            continue
        span = _trim_replies(gap, customer)
        if any(c.duration > params.hold_ack_max_s for c in customer if gap.start <= c.end <= span.start):
            continue  # the customer finished a real turn and the agent went quiet: dead air, not a hold
        if span.duration < params.hold_min_s:
            continue
        if total(intersect([span], customer)) > params.hold_max_customer_share * span.duration:
            continue  # the agent is listening to a long customer turn
        holds.append(Hold(start=span.start, end=span.end, kind=_quiet_kind(span, agent_frames, params)))
    return holds


def find_music_holds(music: list[Span], speech: list[Span], start: float | None, end: float | None,
                     params: AnalyticsParams) -> list[Hold]:
    """Music holds on a one-channel recording: music of at least ``hold_min_s`` while neither party speaks.

    A mono mix has no agent channel whose silence marks the agent's absence, and its speaker
    labels (diarization) may be missing or wrong, so the music itself marks the hold: music that
    starts after the call's first speech and ends before its last (never pre-answer music), in
    which speech takes at most ``hold_max_customer_share`` of the time. Pieces of one track split
    by a quiet passage shorter than ``dead_air_min_s``, with nobody speaking in it, are one hold.
    """
    if start is None or end is None:
        return []
    speech = merge(speech)
    pieces: list[Span] = []
    for m in merge([m for m in music if start < m.start and m.end < end]):
        gap = Span(start=pieces[-1].end, end=m.start) if pieces else None
        if gap is not None and gap.duration < params.dead_air_min_s and not intersect([gap], speech):
            pieces[-1] = Span(start=pieces[-1].start, end=m.end)
        else:
            pieces.append(m)
    return [Hold(start=p.start, end=p.end, kind="music") for p in pieces
            if p.duration >= params.hold_min_s and total(intersect([p], speech)) <= params.hold_max_customer_share * p.duration]


def with_music_holds(holds: list[Hold], music_holds: list[Hold]) -> list[Hold]:
    """``music_holds`` in place of the music holds of ``holds`` and of any other hold they overlap."""
    rest = [h for h in holds if h.kind != "music" and not intersect([h], music_holds)]
    return sorted(music_holds + rest, key=lambda h: h.start)


def _trim_replies(gap: Span, customer: list[Span], edge_s: float = 1.0) -> Span:
    """Move the gap's edges past customer speech that begins within ``edge_s`` of them."""
    start, end = gap.start, gap.end
    for c in customer:
        if c.start <= start + edge_s and c.end > start:
            start = min(max(start, c.end), end)
    for c in reversed(customer):
        if c.end >= end - edge_s and c.start < end:
            end = max(min(end, c.start), start)
    return Span(start=start, end=end)


def _quiet_kind(gap: Span, frames: Frames, params: AnalyticsParams) -> str:
    db = frames.db[frames.index(gap.start) : frames.index(gap.end)]
    if db.size == 0:
        return "silence"
    quiet = np.mean(db <= frames.noise_floor_db() + params.silence_over_floor_db)
    return "silence" if quiet >= params.hold_silence_share else "other"


def find_dead_air(
    speech: list[Span], music: list[Span], holds: list[Hold], start: float | None, end: float | None, params: AnalyticsParams
) -> list[Span]:
    """Spans of at least ``dead_air_min_s`` with no speech and no hold music on either side.

    Counted only between the first and the last speech, so pre-answer ringing and the tail after
    the hang-up are never dead air. A silence that is a hold is reported as that hold, not here.
    """
    if start is None or end is None:
        return []
    busy = merge(list(speech) + list(music))
    out = []
    for g in gaps(busy, start, end):
        if g.duration < params.dead_air_min_s:
            continue
        if any(h.start - 0.3 <= g.start and g.end <= h.end + 0.3 for h in holds):
            continue
        out.append(g)
    return out


def settle_silences(holds: list[Hold], dead_air: list[Span], agent_turns: list[tuple[Span, bool]],
                    params: AnalyticsParams) -> tuple[list[Hold], list[Span]]:
    """Holds and dead air once the transcript says who asked whom to wait.

    The audio alone cannot tell an announced silent hold from dead air. ``agent_turns`` are the
    agent's turns, each with whether it asks the customer to wait (the rule set's hold lists). A
    silence of ``hold_min_s`` or more (a silent hold or dead air found from the audio) is a hold
    when the agent's last turn before it asks the customer to wait, and dead air when it does not.
    Music holds stay holds: the music says the agent put the call on hold.
    """
    kept = [h for h in holds if h.kind == "music"]
    silences = sorted([Span(start=h.start, end=h.end) for h in holds if h.kind != "music"] + list(dead_air),
                      key=lambda s: s.start)
    quiet: list[Span] = []
    for s in silences:
        before = [asks for turn, asks in agent_turns if turn.end <= s.start + params.hold_ask_slack_s]
        if s.duration >= params.hold_min_s and before and before[-1]:
            kept.append(Hold(start=s.start, end=s.end, kind="silence"))
        else:
            quiet.append(s)
    return sorted(kept, key=lambda h: h.start), quiet
