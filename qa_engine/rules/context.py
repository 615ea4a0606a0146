"""The inputs of rule evaluation (``CallContext``) and the per-call view the operators read
(``CallView``): utterances in time order, their normalised text, phrase matches and events, each
worked out once per call when an operator first asks for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qa_engine.callrecord import CallRecord
from qa_engine.rules import events as E
from qa_engine.rules import text as T
from qa_engine.rules.phrases import Match, PhraseIndex
from qa_engine.rules.schema import TransferEvents
from qa_engine.types import CallMetrics, Evidence, Utterance


@dataclass
class CallContext:
    """Everything the rules look at for one call.

    ``local_start`` is the start in the call center's local time (``callrecord.local_start``); when
    it is None the record's own ``started_at`` (with its UTC offset) is used.
    """

    transcript: list[Utterance]
    metrics: CallMetrics
    record: CallRecord
    local_start: datetime | None = None
    # qa_engine.verify.Verifier: asks the audio whether an expected phrase was said where the
    # transcript does not show it (the opening rules); None = text only.
    verifier: Any = None


# A transfer confirmation opens the customer's answer: at most this many characters before it (好，那).
CONFIRM_WITHIN_CHARS = 3


class CallView:
    """One call as the operators see it. Utterances are addressed by their index in time order."""

    def __init__(self, ctx: CallContext, index: PhraseIndex, transfer: TransferEvents | None = None):
        self.ctx = ctx
        self.index = index
        self.transfer = transfer or TransferEvents()
        self.utts = sorted(ctx.transcript, key=lambda u: u.start)
        self.by_speaker = {who: [i for i, u in enumerate(self.utts) if u.speaker == who]
                           for who in ("agent", "customer")}
        self.by_speaker["any"] = list(range(len(self.utts)))
        self._views: dict[int, T.TextViews] = {}
        self._matches: dict[int, dict[str, list[Match]]] = {}
        self._events: dict[str, list[E.Event]] = {}

    @property
    def local_start(self) -> datetime | None:
        return self.ctx.local_start or self.ctx.record.started_at

    @property
    def duration(self) -> float:
        """The call's length: from the metrics, else the end of the last utterance."""
        return self.ctx.metrics.duration_s or (self.utts[-1].end if self.utts else 0.0)

    def views(self, i: int) -> T.TextViews:
        """The normalised views of utterance i."""
        if i not in self._views:
            self._views[i] = T.text_views(self.utts[i].text)
        return self._views[i]

    def found(self, i: int, list_id: str) -> list[Match]:
        """The matches of one phrase list in utterance i (every list is matched at once)."""
        if i not in self._matches:
            self._matches[i] = self.index.match(self.views(i))
        return self._matches[i].get(list_id, [])

    def evidence(self, i: int) -> Evidence:
        u = self.utts[i]
        return Evidence(speaker=u.speaker, start=u.start, end=u.end, text=u.text)

    def evidence_of(self, idx: list[int]) -> list[Evidence]:
        return [self.evidence(i) for i in idx]

    def events(self, kind: str) -> list[E.Event]:
        """The holds or the transfers of the call, in time order."""
        if kind not in self._events:
            self._events[kind] = E.holds(self.ctx.metrics.holds) if kind == "hold" else self._transfers()
        return self._events[kind]

    def _transfers(self) -> list[E.Event]:
        cues = {i for i in self.by_speaker["agent"] if self.found(i, self.transfer.list)}
        cues.update(self._confirmed_offers())
        return E.transfers(self.utts, sorted(cues), self.transfer.merge_within_utterances)

    def _confirmed_offers(self) -> list[int]:
        """Agent turns a customer's next turn answers as a transfer offer (好，你转吧): the agent's
        long offer is what the recogniser garbles, the customer's short answer usually survives."""
        if not self.transfer.confirm_list:
            return []
        # Only an answer: the phrase opens the customer's turn (好，你转吧), right after an agent turn.
        # 我要找你们经理，你转吧 is the customer's own demand and marks nothing.
        return [i - 1 for i in self.by_speaker["customer"]
                if i > 0 and self.utts[i - 1].speaker == "agent"
                and any(m.start <= CONFIRM_WITHIN_CHARS for m in self.found(i, self.transfer.confirm_list))]
