"""Speaker turns: the unit of a transcript.

ASR and diarization give pause-delimited fragments, and how many fragments a sentence becomes
depends on how the speaker paused. Rules count utterances ("the agent's last 3"), so the unit must
not depend on pauses: an utterance is one party's **turn**, their consecutive speech until the
other party takes the floor or until they pause longer than ``max_gap_s``.

A short acknowledgement by the other party (嗯, 对, 好…) while a speaker holds the floor is a
*backchannel*: it stays in the transcript as its own utterance but does not end the turn it sits
in. It counts as a backchannel only when it is short, is one of the configured words, the speaker
goes on within ``max_gap_s``, and the speaker's words before it did not end in a question (then it
is an answer: 可以吗？ — 好。 closes the turn).

One function serves stereo calls (fragments of two channels merged in time) and mono calls
(fragments labelled by diarization), and the rule test harness, so a test transcript written as
fragments is judged as its turns. See docs/TRANSCRIPT.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qa_engine.types import Utterance

_SQUASH = re.compile(r"[\s\W_]+", re.UNICODE)
_SENTENCE_END = "。！？!?…；;"
_QUESTION = re.compile(r"[？?]\s*$|[吗呢么]\s*[。，]?\s*$")


@dataclass(frozen=True)
class TurnOptions:
    """How fragments become turns (``Settings.turn_options()`` builds it from configuration)."""

    max_gap_s: float = 1.8
    backchannels: tuple[str, ...] = ("嗯", "嗯嗯", "对", "对对", "对的", "好", "好的", "是", "是的", "哦", "噢", "行", "啊", "嗯好")
    backchannel_max_s: float = 1.2


def build_turns(fragments: Iterable[Utterance], options: TurnOptions = TurnOptions()) -> list[Utterance]:
    """Speaker turns from fragments of both parties, in time order (see the module doc)."""
    ordered = sorted(fragments, key=lambda u: (u.start, u.end))
    turns: list[Utterance] = []
    floor: int | None = None  # index in turns of the turn that holds the floor
    for i, frag in enumerate(ordered):
        current = turns[floor] if floor is not None else None
        if current is not None and frag.speaker == current.speaker and frag.start - current.end <= options.max_gap_s:
            turns[floor] = _joined(current, frag)
            continue
        if current is not None and _is_backchannel(frag, current, ordered[i + 1:], options):
            turns.append(frag)
            continue
        turns.append(frag)
        floor = len(turns) - 1
    return sorted(turns, key=lambda u: u.start)


def _is_backchannel(frag: Utterance, current: Utterance, later: Sequence[Utterance], options: TurnOptions) -> bool:
    if not _is_token(frag, options) or _QUESTION.search(current.text):
        return False  # not an acknowledgement, or an answer to the floor holder's question
    resumed = next((u for u in later if u.speaker == current.speaker), None)
    if resumed is None or resumed.start - current.end > options.max_gap_s or _is_token(resumed, options):
        return False  # the floor holder did not go on
    return not any(u.speaker == frag.speaker and u.start < resumed.start for u in later)


def _is_token(u: Utterance, options: TurnOptions) -> bool:
    """A short acknowledgement word (嗯, 对, 好的…)."""
    return u.end - u.start <= options.backchannel_max_s and squash(u.text) in options.backchannels


def _joined(turn: Utterance, frag: Utterance) -> Utterance:
    text = turn.text.rstrip()
    if text and text[-1] not in _SENTENCE_END + "，,、":
        text += "，"
    return turn.model_copy(update={"end": max(turn.end, frag.end), "text": text + frag.text.lstrip(),
                                   "words": [*turn.words, *frag.words]})


def squash(text: str) -> str:
    """``text`` without spaces or punctuation (how turns and evidence compare words)."""
    return _SQUASH.sub("", text)
