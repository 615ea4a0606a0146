"""Who hung up: the call record when it says so, else the disconnect tone heard at the end."""

from __future__ import annotations

from qa_engine.analytics.params import AnalyticsParams
from qa_engine.types import Speaker, ToneBurst


def hangup_party(
    record_hangup_by: str | None,
    disconnect: dict[str, list[ToneBurst]],
    conversation_end: float,
    params: AnalyticsParams,
) -> tuple[Speaker | None, str]:
    """``(hangup_by, hangup_source)``; source is call_record, audio or unknown.

    After a party hangs up the exchange plays busy tone on that party's line, so a disconnect tone
    that starts after the conversation's last speech names that channel's party (a tone mid-call,
    e.g. a failed transfer, does not). Tone on both channels: the one that started first.
    """
    if record_hangup_by in ("agent", "customer"):
        return record_hangup_by, "call_record"
    candidates = []
    for role, bursts in disconnect.items():
        if role not in ("agent", "customer") or not bursts:
            continue
        tail = [b for b in bursts if b.start >= conversation_end - params.hangup_tone_tolerance_s]
        if tail:
            candidates.append((tail[0].start, role))
    if not candidates:
        return None, "unknown"
    return min(candidates)[1], "audio"
