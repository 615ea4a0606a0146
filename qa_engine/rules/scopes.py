"""Which utterances (speaker turns) an operator looks at: the ``scope:`` of a rule expression."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa_engine.rules.events import Event

if TYPE_CHECKING:
    from qa_engine.rules.context import CallView

QUESTION_MARKS = ("?", "？", "吗", "请问", "什么", "怎么", "哪", "多少", "贵姓", "呢")
# an utterance "after" a hold may start this much before the hold's detected end
EVENT_TOLERANCE_S = 1.0


class Scope(BaseModel):
    """Which utterances an operator looks at. Filters apply in the order of the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    speaker: Literal["agent", "customer", "any"] = "agent"
    question: bool = Field(False, description="only utterances that ask a question")
    before_event: int | None = Field(None, ge=1, description="last N utterances starting before the current event")
    after_event: int | None = Field(None, ge=1, description="first N utterances starting after the current event ends")
    in_event: bool = Field(False, description="the utterances that announce the current event (transfers)")
    first_turn: bool = Field(False, description="the speaker's first turn, i.e. its first utterance (utterances are "
                             "turns: a party's speech until the other takes the floor or pauses over 1.8 s)")
    first: int | None = Field(None, ge=1)
    last: int | None = Field(None, ge=1)
    first_s: float | None = Field(None, gt=0, description="utterances starting within the first N seconds")
    last_s: float | None = Field(None, gt=0, description="utterances ending within the last N seconds")


def asks_question(text: str) -> bool:
    return any(mark in text for mark in QUESTION_MARKS)


def select(view: CallView, scope: Scope, event: Event | None = None) -> list[int]:
    """The indices (in time order) of the utterances ``scope`` picks, around ``event`` if given."""
    utts = view.utts
    idx = view.by_speaker[scope.speaker]
    if scope.question:
        idx = [i for i in idx if asks_question(utts[i].text)]
    if event is not None:
        idx = _around_event(view, idx, scope, event)
    if scope.first_turn:
        # (not "until the other party speaks": when the ASR misses the caller's 喂，你好, the agent's
        # next turn would count as part of the opening)
        idx = idx[:1]
    if scope.first is not None:
        idx = idx[:scope.first]
    if scope.last is not None:
        idx = idx[-scope.last:]
    if scope.first_s is not None:
        t0 = utts[0].start if utts else 0.0
        idx = [i for i in idx if utts[i].start < t0 + scope.first_s]
    if scope.last_s is not None:
        idx = [i for i in idx if utts[i].end > view.duration - scope.last_s]
    return idx


def _around_event(view: CallView, idx: list[int], scope: Scope, ev: Event) -> list[int]:
    """``idx`` cut around the event. Utterances are in time order, so the cuts are bisections.
    A transfer is anchored on its first announcing utterance; a hold on its start and end."""
    if scope.in_event and ev.first_utt is not None:
        return idx[bisect_left(idx, ev.first_utt):bisect_right(idx, ev.last_utt)]
    start_of = lambda i: view.utts[i].start
    if scope.before_event is not None:
        if ev.first_utt is not None:  # up to and including the first announcement
            cut = bisect_right(idx, ev.first_utt)
        else:
            cut = bisect_left(idx, ev.start, key=start_of)
        return idx[max(0, cut - scope.before_event):cut]
    if scope.after_event is not None:
        if ev.first_utt is not None:
            cut = bisect_right(idx, ev.first_utt)
        else:
            cut = bisect_left(idx, ev.end - EVENT_TOLERANCE_S, key=start_of)
        return idx[cut:cut + scope.after_event]
    return idx
