"""Which anonymous speaker is the agent, and turning ASR segments into agent/customer utterances.

Evidence, strongest first: the hotel greeting with the brand name (夜郎印象; tolerant of ASR
homophones through pinyin) and a stated work number (我是108号, 工号108) in a speaker's first
utterances; then who speaks first (inbound: usually the agent, although the customer may say 喂
or ask 是夜郎印象吗？ before the greeting; outbound: usually the customer answering 喂/你好); then
service phrases. A caller asking for the hotel by name earns no brand evidence.
"""

from __future__ import annotations

import re
from itertools import groupby
from dataclasses import dataclass, field
from typing import Sequence

from pypinyin import lazy_pinyin

from qa_engine.diarization.confidence import voice_confidence
from qa_engine.diarization.types import (SENTENCE_PAUSE_S, Diarization, RoleAssignment, SegmentLike, Turn, WordLike,
                                         sentences, speaker_overlap)
from qa_engine.types import Span, Speaker, Utterance, Word

_NUM = "0-9零〇一二两三四五六七八九十百幺"
# 工号 also as Whisper writes it (公号, 功号, 攻号: the same sound).
_GONGHAO = "[工公功攻]号"
WORK_NUMBER = re.compile(rf"(我是|我的{_GONGHAO}是?|{_GONGHAO}是?|{_GONGHAO}为)\s*[{_NUM}]{{1,6}}\s*号?|我是\s*[{_NUM}]{{1,6}}\s*号")
ANSWER_ONLY = re.compile(r"^[\s，,。.！!？?、]*(喂|歪|位|哎|诶|你好|您好|哪位|嗯)([\s，,。.！!？?、]*(喂|你好|您好|哪位|请问哪位|是|嗯))*[\s，,。.！!？?、]*$")


@dataclass(frozen=True)
class RoleOptions:
    """Configuration of the role decision (brand spellings, phrases, how much of the call to read)."""

    brand_pinyin: tuple[tuple[str, ...], ...] = (("ye", "lang"),)
    brand_text: tuple[str, ...] = ("夜郎印象", "夜郎", "yelang", "ye lang")
    service_phrases: tuple[str, ...] = ("有什么可以帮您", "有什么可以帮你", "很高兴为您服务", "为您服务", "酒店", "感谢您的来电",
                                        "请问是", "先生", "女士")
    first_utterances: int = 3  # per speaker
    opening_window_s: float = 60.0
    weights: dict[str, float] = field(default_factory=lambda: {"brand": 3.0, "work_number": 2.0, "service": 0.75,
                                                                "first_inbound": 1.0, "first_outbound": 1.0,
                                                                "answer_only": 1.0})


DEFAULT_ROLE_OPTIONS = RoleOptions()


def has_brand(text: str, options: RoleOptions = DEFAULT_ROLE_OPTIONS) -> bool:
    """True when ``text`` names the hotel, also as a homophone (夜狼, 叶郎…) or in pinyin."""
    lowered = text.lower()
    if any(b in lowered for b in options.brand_text):
        return True
    syllables = [s for s in lazy_pinyin(text) if s.strip()]
    for pattern in options.brand_pinyin:
        n = len(pattern)
        if any(tuple(syllables[i : i + n]) == pattern for i in range(len(syllables) - n + 1)):
            return True
    return False


def has_work_number(text: str) -> bool:
    return bool(WORK_NUMBER.search(text.replace(" ", "")))


# The rest of the agent's greeting script (第26条1): the salutation and the offer of help. Only
# phrases a caller does not say: 您好, 酒店 or 女士 would pull the caller's reply into the greeting.
GREETING_PARTS = ("早上好", "上午好", "中午好", "下午好", "晚上好", "有什么可以帮", "为您服务", "为你服务")


def greeting_span(segments: Sequence[SegmentLike], options: RoleOptions = DEFAULT_ROLE_OPTIONS,
                  *, first_sentences: int = 8, max_gap_s: float = 1.0, pause_s: float = SENTENCE_PAUSE_S) -> Span | None:
    """The greeting: the first sentence of the opening that names the hotel or a work number, with
    the sentences around it that carry the rest of the script (a salutation, an offer of help) and
    follow within ``max_gap_s``; a caller asking for the hotel (``asks_for_the_hotel``) is not a
    greeting. One person's voice, whoever it is, which the clustering of two similar voices keeps
    together (``ge2e.cluster``'s anchor). None when there is no such sentence.
    """
    opening = [(start, end, _join(words) if words else seg.text)
               for seg in sorted(segments, key=lambda s: s.start) if seg.start <= options.opening_window_s
               for start, end, words in sentences(seg, pause_s)][:first_sentences]
    named = [i for i, (_, _, text) in enumerate(opening)
             if (has_brand(text, options) or has_work_number(text)) and not asks_for_the_hotel(text, options)]
    if not named:
        return None
    scripted = [_scripted(text, options) for _, _, text in opening]
    joins = [scripted[i] and scripted[i + 1] and opening[i + 1][0] - opening[i][1] <= max_gap_s
             for i in range(len(opening) - 1)]  # sentence i and i + 1 are one greeting
    first = last = named[0]
    while first > 0 and joins[first - 1]:
        first -= 1
    while last < len(joins) and joins[last]:
        last += 1
    return Span(start=opening[first][0], end=opening[last][1])


def asks_for_the_hotel(text: str, options: RoleOptions = DEFAULT_ROLE_OPTIONS) -> bool:
    """A caller checking she reached the hotel (喂，是夜郎印象吗？): the name in a 吗 question
    without any part of the agent's greeting script."""
    return "吗" in text and has_brand(text, options) and not any(p in text for p in GREETING_PARTS)


def _scripted(text: str, options: RoleOptions) -> bool:
    if asks_for_the_hotel(text, options):
        return False
    return any(p in text for p in GREETING_PARTS) or has_brand(text, options) or has_work_number(text)


# --- mapping segments to labels -----------------------------------------------------------------------

def _label_at(turns: Sequence[Turn], start: float, end: float) -> str | None:
    share = speaker_overlap(turns, start, end)
    if share:
        return max(share, key=share.get)
    if not turns:
        return None
    mid = (start + end) / 2
    return min(turns, key=lambda t: min(abs(t.start - mid), abs(t.end - mid))).speaker


@dataclass(frozen=True)
class _Run:
    """A stretch of one ASR segment said by one diarization label (what the role evidence reads)."""

    start: float
    end: float
    text: str


def _labelled_segments(diarization: Diarization, segments: Sequence[SegmentLike]) -> list[tuple[str, _Run]]:
    """Each segment's words grouped into runs of one label. A transcription window spans both
    parties on a mono call (the agent's greeting and the customer's reply): labelled as a whole,
    the greeting's brand and work number would count for whoever spoke longer in the window."""
    out = []
    for seg in sorted(segments, key=lambda s: s.start):
        if not seg.text.strip():
            continue
        if not seg.words:
            label = _label_at(diarization.turns, seg.start, seg.end)
            if label is not None:
                out.append((label, _Run(seg.start, seg.end, seg.text)))
            continue
        runs = _runs(seg.words, lambda w: _label_at(diarization.turns, w.start, w.end))
        out += [(label, _Run(words[0].start, words[-1].end, _join(words))) for label, words in runs
                if label is not None and _join(words).strip()]
    return out


# --- role decision ----------------------------------------------------------------------------------------

def assign_roles(diarization: Diarization, segments: Sequence[SegmentLike], record: object | None = None,
                 *, direction: str | None = None, options: RoleOptions = DEFAULT_ROLE_OPTIONS) -> RoleAssignment:
    """Decide which label is the agent. ``record`` is a CallRecord (its ``direction`` is used);
    ``direction`` overrides it. Returns the role of every label, a confidence 0–1 and the reason."""
    direction = direction or getattr(record, "direction", None) or "inbound"
    labels = diarization.speakers
    if not labels:
        return RoleAssignment(roles={}, agent_label=None, confidence=0.0, reason="no speech")
    if len(labels) == 1:
        return RoleAssignment(roles={labels[0]: "agent"}, agent_label=labels[0], confidence=0.3,
                              reason="only one speaker found; assumed to be the agent")
    w = options.weights
    scores = {label: 0.0 for label in labels}
    notes: dict[str, list[str]] = {label: [] for label in labels}
    opening = [(lab, s) for lab, s in _labelled_segments(diarization, segments) if s.start <= options.opening_window_s]
    seen: dict[str, int] = {}
    for label, seg in opening:
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > options.first_utterances:
            continue
        text = seg.text
        if has_brand(text, options) and not asks_for_the_hotel(text, options) and "brand" not in notes[label]:
            scores[label] += w["brand"]
            notes[label].append("brand")
        if has_work_number(text) and "work_number" not in notes[label]:
            scores[label] += w["work_number"]
            notes[label].append("work_number")
        if any(p in text for p in options.service_phrases) and "service" not in notes[label]:
            scores[label] += w["service"]
            notes[label].append("service")

    first = opening[0][0] if opening else _first_speaker(diarization)
    first_answer_only = bool(opening) and (bool(ANSWER_ONLY.match(opening[0][1].text))
                                           or asks_for_the_hotel(opening[0][1].text, options))
    if direction == "outbound":
        # The called customer picks up and says 喂/你好 first.
        others = [lab for lab in labels if lab != first]
        for lab in others:
            scores[lab] += w["first_outbound"]
            notes[lab].append("second_speaker_outbound")
    elif first_answer_only:
        # Inbound, but the first words are a bare 喂/你好 or a question for the hotel: the customer
        # talking into the line before the agent's greeting. Weak evidence; the greeting decides.
        for lab in labels:
            if lab != first:
                scores[lab] += w["answer_only"] * 0.5
                notes[lab].append("spoke_after_bare_hello")
    else:
        scores[first] += w["first_inbound"]
        notes[first].append("first_speaker_inbound")

    ranked = sorted(labels, key=lambda lab: scores[lab], reverse=True)
    agent = ranked[0]
    margin = scores[ranked[0]] - scores[ranked[1]]
    if margin <= 0:
        # No evidence either way: inbound → the first speaker, outbound → the second.
        agent = first if direction != "outbound" else next(lab for lab in labels if lab != first)
        confidence, why = 0.5, "no distinguishing evidence; fell back to speaking order"
    else:
        strong = {"brand", "work_number"} & set(notes[agent])
        rival_strong = {"brand", "work_number"} & set(notes[ranked[1]])
        confidence = min(0.99, 0.5 + 0.1 * margin + (0.25 if strong and not rival_strong else 0.0))
        why = ", ".join(notes[agent])
    roles: dict[str, Speaker] = {lab: ("agent" if lab == agent else "customer") for lab in labels}
    voice = voice_confidence(diarization.separation, diarization.method)
    if voice is not None and voice < confidence:
        # The text picks a label; whether the labels follow the voices is the clustering's to say.
        confidence, why = voice, f"{why}; voices barely separable (separation {diarization.separation})" \
            if diarization.separation is not None else f"{why}; voice split unverified ({diarization.method})"
    return RoleAssignment(roles=roles, agent_label=agent, confidence=round(confidence, 2),
                          reason=f"{direction}: {why}")


def _first_speaker(diarization: Diarization) -> str:
    return min(diarization.turns, key=lambda t: t.start).speaker


# --- utterances and speech per role ----------------------------------------------------------------------

def _role(roles: RoleAssignment, label: str | None) -> Speaker:
    if label is None:
        return "customer"
    return roles.roles.get(label, "customer")


def _join(words: Sequence[WordLike]) -> str:
    text = "".join(w.text for w in words)
    # Whisper puts a space before Latin words; keep those, drop spaces between Chinese tokens.
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text).strip()
    return text.lstrip(_LEADING_PUNCTUATION)  # a word that carries the comma before it: 「，您好」


_LEADING_PUNCTUATION = "，,。.、；;：:！!？? "


def assign_speakers(segments: Sequence[SegmentLike], diarization: Diarization, roles: RoleAssignment,
                    *, min_run_s: float = 0.3) -> list[Utterance]:
    """Agent/customer utterances from ASR segments, split at word times where the speaker changes.

    A run of words shorter than ``min_run_s`` that would form its own utterance is kept with its
    neighbour: single-word flips at a turn edge are boundary jitter, not a new turn.
    """
    out: list[Utterance] = []
    for seg in sorted(segments, key=lambda s: s.start):
        if not seg.text.strip():
            continue
        if not seg.words:
            speaker = _role(roles, _label_at(diarization.turns, seg.start, seg.end))
            out.append(Utterance(speaker=speaker, start=seg.start, end=seg.end, text=seg.text.strip()))
            continue
        runs = _runs(seg.words, lambda w: _role(roles, _label_at(diarization.turns, w.start, w.end)))
        runs = _absorb_short_runs(runs, min_run_s)
        for speaker, words in runs:
            # A run split off at a change of speaker may begin with the comma that closed the other
            # party's words (，您好): an utterance starts with a word.
            while words and not words[0].text.strip(_LEADING_PUNCTUATION):
                words = words[1:]
            if not words:
                continue
            out.append(Utterance(speaker=speaker, start=words[0].start, end=words[-1].end, text=_join(words),
                                 words=[Word(start=w.start, end=w.end, text=w.text,
                                             probability=getattr(w, "probability", 1.0)) for w in words]))
    return out


def _runs(words: Sequence[WordLike], key) -> list[tuple[object, list[WordLike]]]:
    """Consecutive words with the same ``key`` (a label or a role), each run as (key, words)."""
    return [(k, list(group)) for k, group in groupby(words, key)]


def _absorb_short_runs(runs: list, min_run_s: float) -> list:
    changed = True
    while changed and len(runs) > 1:
        changed = False
        for i, (speaker, words) in enumerate(runs):
            if words[-1].end - words[0].start < min_run_s:
                j = i - 1 if i > 0 else i + 1
                if i > 0:
                    runs[j][1].extend(words)
                else:
                    runs[j][1][:0] = words
                runs.pop(i)
                merged: list = []
                for sp, ws in runs:
                    if merged and merged[-1][0] == sp:
                        merged[-1][1].extend(ws)
                    else:
                        merged.append((sp, ws))
                runs = merged
                changed = True
                break
    return runs


def role_speech_spans(diarization: Diarization, roles: RoleAssignment) -> dict[str, list[Span]]:
    """Speech spans per role, merged and sorted (for holds, dead air and talk time on mono calls).

    Overlapping speech is mostly invisible on a mono mix: each moment belongs to one speaker here.
    """
    speech: dict[str, list[Span]] = {"agent": [], "customer": []}
    for t in sorted(diarization.turns, key=lambda t: t.start):
        spans = speech[_role(roles, t.speaker)]
        if spans and t.start <= spans[-1].end + 1e-6:
            spans[-1] = Span(start=spans[-1].start, end=max(spans[-1].end, t.end))
        else:
            spans.append(Span(start=t.start, end=t.end))
    return speech
