"""Whether a call can be scored, and why not.

A recording in which the agent never speaks (line noise, silence, a tone, ringback nobody
answered, a recording of the wrong line) is not a perfect call: it gets no score, its rules say
n/a with the reason (a ringback that never ends in an answer is a missed call:
``open.answer_within_3_rings`` fails), and scorecards count it apart instead of averaging it in.
A conversation is scored only when rules carrying enough of the scorecard's weight could be
decided; otherwise it is ``not_scorable`` and goes to an inspector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from qa_engine.analytics.transcript import han_count
from qa_engine.types import CallMetrics, Evidence, Finding, Utterance

Scoring = Literal["scored", "no_agent_speech", "unanswered", "not_scorable"]
# Fewer recognised Chinese characters than this from the agent: nobody answered the call.
MIN_AGENT_CHARS = 2
# ... unless the agent's channel holds at least this much speech: then someone answered, but the
# words could not be transcribed (unclear speech, another language), and an inspector must listen.
MIN_UNHEARD_SPEECH_S = 3.0
RING_RULE = "open.answer_within_3_rings"

REASONS = {
    "zh": {
        "unanswered": "无人接听：回铃 {rings} 声后录音结束，座席没有讲话",
        "no_agent_speech": "录音中没有座席讲话（噪声、静音、单音或错录线路）",
        "not_scorable": "可判定的评分项仅占 {share:.0%}（至少需要 {need:.0%}），不予评分",
        "unheard": "座席有 {seconds:.0f} 秒讲话，但无法转写为文字（语音不清或非普通话），需人工听审",
        "na": "不适用：{reason}",
        "missed": "未接来电：回铃 {rings} 声无人接听",
    },
    "en": {
        "unanswered": "unanswered: the recording ends after {rings} rings without the agent speaking",
        "no_agent_speech": "no agent speech in the recording (noise, silence, a tone or the wrong line)",
        "not_scorable": "only {share:.0%} of the scorecard's weight could be decided (at least {need:.0%} needed): not scored",
        "unheard": "the agent speaks for {seconds:.0f} s but none of it could be transcribed (unclear speech or another "
                   "language): an inspector must listen",
        "na": "not applicable: {reason}",
        "missed": "missed call: rang {rings} times and nobody answered",
    },
}


@dataclass(frozen=True)
class CallStatus:
    scoring: Scoring = "scored"
    reason: str = ""


def conversation_status(transcript: list[Utterance], metrics: CallMetrics, lang: str = "zh") -> CallStatus:
    """``unanswered`` (ringback, then no agent) or ``no_agent_speech`` when the agent never spoke;
    ``not_scorable`` when the agent spoke but nothing of it could be transcribed."""
    if sum(han_count(u.text) for u in transcript if u.speaker == "agent") >= MIN_AGENT_CHARS:
        return CallStatus()
    text = REASONS.get(lang, REASONS["zh"])
    spoken = sum(s.end - s.start for s in metrics.speech.get("agent", []))
    if spoken >= MIN_UNHEARD_SPEECH_S:
        return CallStatus("not_scorable", text["unheard"].format(seconds=spoken))
    if metrics.ringback:
        return CallStatus("unanswered", text["unanswered"].format(rings=len(metrics.ringback)))
    return CallStatus("no_agent_speech", text["no_agent_speech"])


def without_conversation(findings: list[Finding], status: CallStatus, metrics: CallMetrics, direction: str | None,
                         lang: str = "zh") -> list[Finding]:
    """The findings of a call nobody answered: every rule n/a with the reason, except that an
    inbound ringback that never ended in an answer fails ``open.answer_within_3_rings``."""
    text = REASONS.get(lang, REASONS["zh"])
    out = []
    for f in findings:
        if f.rule_id == RING_RULE and status.scoring == "unanswered" and direction != "outbound":
            rings = len(metrics.ringback)
            out.append(f.model_copy(update={
                "outcome": "fail", "message": text["missed"].format(rings=rings),
                "evidence": [Evidence(start=b.start, end=b.end, text=f"ring {i + 1}") for i, b in enumerate(metrics.ringback)]}))
        else:
            out.append(f.model_copy(update={"outcome": "n/a", "message": text["na"].format(reason=status.reason),
                                            "evidence": []}))
    return out


def scorable(findings: list[Finding], min_share: float, lang: str = "zh") -> CallStatus:
    """``not_scorable`` when the decided rules (pass or fail) carry less than ``min_share`` of the
    weight of all rules."""
    total = sum(f.weight for f in findings)
    decided = sum(f.weight for f in findings if f.outcome != "n/a")
    share = decided / total if total else 0.0
    if share >= min_share:
        return CallStatus()
    return CallStatus("not_scorable", REASONS.get(lang, REASONS["zh"])["not_scorable"].format(share=share, need=min_share))
