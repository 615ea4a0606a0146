"""Checking an expected phrase against the audio when the transcript does not show it.

Whisper base garbles exactly the words the opening rules look for (二字七 for 二四七, 到上好 for
早上好). The expected words are known from the call record, so the rules can ask the audio: the
heard turn is rewritten with the expected phrase in place of what was heard there (the *slot*), and
with each competing phrase (another salutation, a near work number, nothing at all, the heard text
itself), and the Whisper model scores every version against the turn's audio
(``qa_engine/asr/align.py``). The expected phrase is verified when its version scores within a
margin of the best rival: a likelihood-ratio test between hypotheses, not a threshold on a
probability. The margins are calibrated on the dev corpora (``benchmarks/opening_verification.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa_engine.asr.align import WhisperScorer
from qa_engine.config import Settings
from qa_engine.rules import text as T
from qa_engine.types import AudioCheck, RoleAudio, Utterance

SAMPLE_RATE = 16000
EDGE_S = 0.3  # audio kept before and after the turn's words
MAX_TURN_S = 28.0  # an opening turn longer than this is checked on its first 28 s
NUMERALS = set("0123456789零一二三四五六七八九十百幺两")
RIGHT_CONTEXT = 6  # characters of the heard text kept after the slot
UNSIMILAR = 0.5  # a heard stretch this far (edit distance / length) from every phrase is no slot


class Scorer(Protocol):
    def score(self, audio: np.ndarray, texts: Sequence[str], phrases: Sequence[str] = ()) -> list[float]:
        """Log-likelihood of each text given the audio; ``phrases``: the phrase each text was built
        around (a fake scorer in the rule tests scores by it; the real one reads the texts only)."""


class Verifier(Protocol):
    """What the rules call (``CallContext.verifier``); tests stand in a fake scorer."""

    def check(self, turn: Utterance, part: str, expected: Sequence[str],
              rivals: Sequence[str] | Callable[[str], Sequence[str]], *, at_start: bool = False,
              between: tuple[Sequence[str], Sequence[str]] = ((), ())) -> AudioCheck: ...


@dataclass(frozen=True)
class Slot:
    start: int
    end: int  # start == end: nothing similar was heard, the phrase is inserted there

    def put(self, text: str, phrase: str) -> str:
        """The text with ``phrase`` in the slot, cut RIGHT_CONTEXT characters after it: every
        version shares that context, and the probability of a text's beginning is a proper
        probability, so the comparison stays fair and the decoder has less to read."""
        return text[: self.start] + phrase + text[self.end: self.end + RIGHT_CONTEXT]

    def around(self, text: str) -> list[Slot]:
        """This slot and the ones a character wider on the left and up to two on the right: the
        ASR's stretch for a word is often a character or two off (封号52 0次 for 工号五二四)."""
        if self.start == self.end:
            return [self]
        starts = [self.start] + ([self.start - 1] if self.start > 0 and text[self.start - 1].isalnum() else [])
        ends = [self.end]
        while len(ends) < 3 and ends[-1] < len(text) and text[ends[-1]].isalnum():
            ends.append(ends[-1] + 1)
        return [Slot(a, b) for a in starts for b in ends]


Rivals = Sequence[str] | Callable[[str], Sequence[str]]


class AudioVerifier:
    """Verifies phrases in a call's turns against the speakers' audio (16 kHz, one array per role;
    on a mono call both roles share the one signal)."""

    def __init__(self, scorer: Scorer, audio: dict[str, np.ndarray], *, margin: float, alternative_margin: float) -> None:
        self.scorer = scorer
        self.audio = audio
        self.margin = margin
        self.alternative_margin = alternative_margin
        self.checks: list[AudioCheck] = []  # every check made (benchmarks/opening_verification.py reads them)
        self._clips: dict[tuple[str, int, int], np.ndarray] = {}

    def check(self, turn: Utterance, part: str, expected: Sequence[str], rivals: Rivals, *, at_start: bool = False,
              between: tuple[Sequence[str], Sequence[str]] = ((), ())) -> AudioCheck:
        """Whether the audio supports one of ``expected`` where the turn's text has something else.

        Two kinds of rival. *Alternatives* are things an agent could have said instead: ``rivals``
        (other salutations; or a function giving them for the expected spelling that fits best, e.g.
        the work numbers one digit away said the same way, too many to score unless needed) and a
        heard number. The expected phrase must
        come within ``alternative_margin`` of the best of them: the audio must tell 二四七 from
        二四一. *Transcription* rivals are the ASR's own text (二字七, GRI) and nothing at all: the
        model's language prior favours its own odd spellings, so ``margin`` is wider. Each phrase is
        tried in the slot and the slots a character wider. Rivals given by a function are tried only
        when the expected phrase passes the others, in the slot where it fits best (ten times fewer
        texts to score). ``between``: what is said before and after it, to find its place when
        nothing similar was heard."""
        text, end = heard_text(turn)
        listed = [] if callable(rivals) else list(rivals)
        slot = find_slot(text, [*expected, *listed], at_start=at_start, between=between)
        heard = text[slot.start: slot.end]
        audio = self._audio(turn, end)
        places = slot.around(text)
        exp = self._best(audio, text, places, list(expected))
        numeric = bool(heard) and all(ch in NUMERALS for ch in heard)
        alternatives = _without([p for p in listed if p] + ([heard] if numeric else []), expected)
        spellings = _without(([] if numeric else [heard]) + [""], expected)
        rivals_met = [(self._best(audio, text, places, spellings), self.margin)]
        if alternatives:
            rivals_met.append((self._best(audio, text, places, alternatives), self.alternative_margin))
        if callable(rivals) and _passes(exp, rivals_met):
            near = self._best(audio, text, [exp.slot], _without(rivals(exp.phrase), expected))
            rivals_met.append((near, self.alternative_margin))
        rival, margin = max(rivals_met, key=lambda rm: rm[0].score - rm[1])
        result = AudioCheck(part=part, expected=exp.phrase, heard=heard, expected_score=round(exp.score, 2),
                            rival=rival.phrase, rival_score=round(rival.score, 2), margin=margin,
                            verified=_passes(exp, rivals_met))
        self.checks.append(result)
        return result

    def _best(self, audio: np.ndarray, text: str, places: list[Slot], phrases: list[str]) -> Hypothesis:
        tried = [Hypothesis(p, slot) for p in phrases for slot in places]
        scores = self.scorer.score(audio, [h.slot.put(text, h.phrase) for h in tried], [h.phrase for h in tried])
        best = max(range(len(tried)), key=scores.__getitem__)
        return Hypothesis(tried[best].phrase, tried[best].slot, scores[best])

    def _audio(self, turn: Utterance, end: float) -> np.ndarray:
        a = max(0, int((turn.start - EDGE_S) * SAMPLE_RATE))
        key = (turn.speaker, a, int((end + EDGE_S) * SAMPLE_RATE))
        # the same object each time, so the scorer encodes a turn checked for several parts once
        if key not in self._clips:
            self._clips[key] = self.audio[turn.speaker][a: key[2]]
        return self._clips[key]


@dataclass(frozen=True)
class Hypothesis:
    phrase: str
    slot: Slot
    score: float = 0.0


def _passes(expected: Hypothesis, rivals: list[tuple[Hypothesis, float]]) -> bool:
    return all(expected.score >= rival.score - margin for rival, margin in rivals)


def _without(phrases: Sequence[str], expected: Sequence[str]) -> list[str]:
    return [p for p in dict.fromkeys(phrases) if p not in expected]


def heard_text(turn: Utterance) -> tuple[str, float]:
    """The turn's text and end time, cut to its first MAX_TURN_S when longer (at a word boundary)."""
    if turn.end - turn.start <= MAX_TURN_S or not turn.words:
        return turn.text, min(turn.end, turn.start + MAX_TURN_S)
    words = [w for w in turn.words if w.end <= turn.start + MAX_TURN_S]
    return "".join(w.text for w in words), (words[-1].end if words else turn.start + MAX_TURN_S)


def find_slot(text: str, phrases: Sequence[str], *, at_start: bool = False,
              between: tuple[Sequence[str], Sequence[str]] = ((), ())) -> Slot:
    """Where in ``text`` one of ``phrases`` was said: the stretch most like one of them, compared
    by sound so 到上好 matches 早上好. When nothing is similar, what follows one of the phrases
    that come before it (``between[0]``: 我是, 工号 — 功耗 sounds the same) up to one that comes
    after it (号) or the end of the clause; else an empty slot at the start of the text
    (``at_start``) or at its end."""
    sounds = T.sounds(text)
    best: tuple[float, int, int] | None = None
    for phrase in (p for p in phrases if p):
        cost, start, end = _closest_substring(T.sounds(phrase), sounds)
        score = cost / len(phrase)
        if at_start and start > 3:
            continue
        if best is None or score < best[0]:
            best = (score, start, end)
    if best is None or best[0] > UNSIMILAR:
        framed = _framed(text, sounds, *between)
        return framed or (Slot(0, 0) if at_start else Slot(len(text), len(text)))
    start, end = best[1], best[2]
    while start < end and not text[start].isalnum():  # punctuation stays outside the slot
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return Slot(start, end)


def _framed(text: str, sounds: list[str], before: Sequence[str], after: Sequence[str]) -> Slot | None:
    """The stretch after the first phrase of ``before`` heard (by sound) up to a phrase of
    ``after`` or the end of its clause; None when none is heard or the stretch is empty."""
    starts = [e for p in before if p for cost, _s, e in [_closest_substring(T.sounds(p), sounds)] if cost == 0]
    if starts:
        start = min(starts)
    elif (start := _clause_before(text, sounds, after)) is None:
        return None
    end = next((i for i in range(start, len(text)) if not text[i].isalnum()), len(text))
    for p in (p for p in after if p):
        cost, s, _e = _closest_substring(T.sounds(p), sounds[start:end])
        if cost == 0:
            end = start + s
    return Slot(start, end) if end > start else None


def _clause_before(text: str, sounds: list[str], after: Sequence[str]) -> int | None:
    """Start of the clause in which a phrase of ``after`` of two or more characters (为您服务) is
    heard, when something precedes it there: an agent who says 七幺二号为您服务 with no 我是 before
    it (heard 需要爱好为您服务). A one-character phrase (号) is no frame on its own: 好 sounds the same."""
    for p in (p for p in after if len(p) >= 2):
        cost, s, _e = _closest_substring(T.sounds(p), sounds)
        if cost == 0:
            start = s
            while start > 0 and text[start - 1].isalnum():
                start -= 1
            if start < s:
                return start
    return None


def _closest_substring(pattern: list[str], text: list[str]) -> tuple[int, int, int]:
    """(edit distance, start, end) of the substring of ``text`` closest to ``pattern`` (Sellers)."""
    n = len(text)
    prev = [0] * (n + 1)  # row 0: a match may start anywhere
    starts = list(range(n + 1))
    for p in pattern:
        cur, cur_starts = [prev[0] + 1] + [0] * n, [0] * (n + 1)
        for j in range(1, n + 1):
            options = ((prev[j - 1] + (p != text[j - 1]), starts[j - 1]), (prev[j] + 1, starts[j]),
                       (cur[j - 1] + 1, cur_starts[j - 1]))
            cur[j], cur_starts[j] = min(options)
        prev, starts = cur, cur_starts
    cost, end = min((c, j) for j, c in enumerate(prev))
    return cost, starts[end], end


def call_verifier(model, roles: RoleAudio, settings: Settings) -> AudioVerifier | None:
    """The verifier for one call, or None when disabled or the model is not a faster-whisper model
    (a test double has no decoder to score texts with)."""
    from faster_whisper import WhisperModel

    if not settings.verify_audio or not isinstance(model, WhisperModel):
        return None
    audio = {"agent": roles.agent, "customer": roles.customer} if roles.mono is None else \
        {"agent": roles.mono, "customer": roles.mono}
    return AudioVerifier(WhisperScorer(model, settings.asr_language), audio, margin=settings.verify_margin,
                         alternative_margin=settings.verify_alternative_margin)
