"""Audio analytics: rings, answer time, holds, dead air, overlaps, voice level and hang-up party.

``analyze_audio`` runs every detector on a call's role audio and returns ``CallMetrics``;
``add_transcript_metrics`` adds the measures that need text (speech rate); ``asr_exclusions``
lists the spans from which no text may be transcribed (tones and hold music). See docs/METRICS.md.
"""

from __future__ import annotations

import numpy as np

from qa_engine.analytics.activity import clean_speech, talk_metrics
from qa_engine.analytics.frames import compute_frames
from qa_engine.analytics.hangup import hangup_party
from qa_engine.analytics.holds import find_dead_air, find_holds, find_music_holds, settle_silences, with_music_holds
from qa_engine.analytics.music import music_spans
from qa_engine.analytics.overlaps import find_overlaps, takeovers_without_pause
from qa_engine.analytics.params import DEFAULT_PARAMS, AnalyticsParams
from qa_engine.analytics.spans import merge, subtract
from qa_engine.analytics.tones import count_rings, detect_tones, rings_from_call_record
from qa_engine.analytics.transcript import add_transcript_metrics
from qa_engine.analytics.vad import confident_speech, spans_from_probabilities, speech_probabilities
from qa_engine.analytics.voice import voice_metrics
from qa_engine.callrecord import CallRecord
from qa_engine.config import Settings
from qa_engine.types import CallMetrics, RoleAudio, Span, ToneBurst

__all__ = ["AnalyticsParams", "analyze_audio", "add_transcript_metrics", "asr_exclusions", "settle_silences"]

ROLES = ("agent", "customer")


class _Channel:
    """One signal's detector results: tones, music and (VAD) speech.

    Music under a voice is background music, not hold music: what Silero confidently scores as
    speech is taken out of the music, so the words stay speech (and are transcribed) and a talk
    over music is never a hold."""

    def __init__(self, name: str, samples: np.ndarray, params: AnalyticsParams, run_vad: bool):
        self.samples = samples
        self.frames = compute_frames(samples)
        self.ringback, self.disconnect = detect_tones(samples, self.frames, name, params)
        tones = [Span(start=b.start, end=b.end) for b in self.ringback + self.disconnect]
        x = np.ascontiguousarray(samples, dtype=np.float32)
        probs = speech_probabilities(x) if x.size else np.zeros(0, np.float32)
        voiced = confident_speech(probs, params.music_voice_min_s)
        self.music = subtract(music_spans(self.frames, params, exclude=tones), voiced, params.music_min_s)
        self.non_speech = tones + self.music
        self.speech = clean_speech(spans_from_probabilities(x, probs), self.non_speech, params) if run_vad and x.size else []


def analyze_audio(
    audio: RoleAudio,
    record: CallRecord,
    settings: Settings | None = None,
    speech: dict[str, list[Span]] | None = None,
    params: AnalyticsParams = DEFAULT_PARAMS,
) -> CallMetrics:
    """Measure one call. Stereo: each role's channel on its own. Mono (``audio.mono``): tones and
    music on the mono signal, speech per role from ``speech`` (diarization); without it the VAD
    speech is kept under ``speech["mono"]`` and role-based measures (silent holds, overlaps) are
    left empty. Music holds on a mono signal need no roles: music while nobody speaks.
    """
    if audio.sample_rate != 16000:
        raise ValueError("analyze_audio needs 16 kHz audio (decode_audio output)")
    if audio.mono is not None:
        # The mix's own VAD (cheap: Silero has scored it for the music anyway) shows the pauses
        # at changes of speaker, which the diarized speech per role hides.
        chan = _Channel("mono", audio.mono, params, run_vad=True)
        channels = {"mono": chan}
        if speech is None:
            roles = {"mono": chan.speech}
        else:
            roles = {r: clean_speech(speech.get(r, []), chan.non_speech, params) for r in ROLES}
        role_signal = {r: chan for r in ROLES}
        duration = audio.mono.size / audio.sample_rate
    else:
        channels = {r: _Channel(r, getattr(audio, r), params, run_vad=True) for r in ROLES}
        roles = {r: channels[r].speech for r in ROLES}
        role_signal = channels
        duration = audio.agent.size / audio.sample_rate

    m = CallMetrics(duration_s=round(duration, 3), speech=roles)
    m.ringback = _merge_bursts([b for c in channels.values() for b in c.ringback])
    m.disconnect_tone = sorted((b for c in channels.values() for b in c.disconnect), key=lambda b: b.start)
    m.music = {name: c.music for name, c in channels.items()}

    # The agent's first words mark the answer on inbound and outbound calls alike.
    first = roles.get("agent") or roles.get("mono") or []
    m.answer_s = round(first[0].start, 3) if first else None
    if record.direction == "outbound":
        m.rings, m.ring_source = None, "none"
    elif record.ring_seconds is not None:
        m.rings, m.ring_source = rings_from_call_record(record.ring_seconds, params), "call_record"
    else:
        m.rings, m.ring_source = count_rings(m.ringback, m.answer_s), "audio"

    everyone = merge([s for spans in roles.values() for s in spans])
    talk_start = everyone[0].start if everyone else None
    talk_end = everyone[-1].end if everyone else None
    all_music = [s for c in channels.values() for s in c.music]
    if "agent" in roles:
        agent_chan = role_signal["agent"]
        m.holds = find_holds(roles["agent"], roles["customer"], agent_chan.music, agent_chan.frames, params)
        m.overlaps = find_overlaps(roles["agent"], roles["customer"], params)
        if audio.mono is not None:
            m.takeovers_without_pause = takeovers_without_pause(roles["agent"], roles["customer"],
                                                                channels["mono"].speech, params)
        talk = talk_metrics({r: roles[r] for r in ROLES})
        for r in ROLES:
            values = talk[r].model_dump() | voice_metrics(role_signal[r].samples, roles[r], params)
            setattr(m, r, type(talk[r])(**values))

    if audio.mono is not None:
        # One channel: the music itself marks a hold, whatever the speaker labels say (or without them).
        mono_holds = find_music_holds(channels["mono"].music, everyone, talk_start, talk_end, params)
        m.holds = with_music_holds(m.holds, mono_holds)
    m.dead_air = find_dead_air(everyone, all_music, m.holds, talk_start, talk_end, params)
    disconnect = {name: c.disconnect for name, c in channels.items()}
    m.hangup_by, m.hangup_source = hangup_party(record.hangup_by, disconnect, talk_end or 0.0, params)
    return m


def _merge_bursts(bursts: list[ToneBurst]) -> list[ToneBurst]:
    """One burst per ring even when ringback is heard on both channels."""
    out: list[ToneBurst] = []
    for b in sorted(bursts, key=lambda b: b.start):
        if out and b.start < out[-1].end:
            continue
        out.append(b)
    return out


def asr_exclusions(metrics: CallMetrics, speaker: str | None = None) -> list[Span]:
    """Spans from which no text may be transcribed: ringback, disconnect tone and hold music.

    With ``speaker`` (agent | customer | mono) only what was detected on that role's channel is
    returned, so a customer's words during the agent's hold music are kept.
    """
    mine = lambda channel: speaker is None or channel in (speaker, "mono")  # noqa: E731
    ring = [Span(start=b.start, end=b.end) for b in metrics.ringback if mine(b.channel)]
    # A busy tone's short pauses belong to it: exclude the whole run of bursts.
    busy = merge([Span(start=b.start, end=b.end) for b in metrics.disconnect_tone if mine(b.channel)], gap=1.0)
    music = [s for ch, spans in metrics.music.items() if mine(ch) for s in spans]
    music += [h for h in metrics.holds if h.kind == "music" and speaker in (None, "agent", "mono")]
    return merge(ring + busy + [Span(start=s.start, end=s.end) for s in music])
