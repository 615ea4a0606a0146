"""The events rules iterate over (``for_each``): holds, from the metrics, and transfers, from the
agent's words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from qa_engine.types import Evidence, Hold, Utterance

EVENT_ZH = {"hold": "保持", "transfer": "转接"}


@dataclass(frozen=True)
class Event:
    """A hold or a transfer, numbered from 0 in time order."""

    kind: str
    ordinal: int
    start: float
    end: float
    first_utt: int | None = None  # transfers: the agent utterances that announce it
    last_utt: int | None = None
    hold: Hold | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start

    @cached_property
    def evidence(self) -> Evidence:
        """The event's span as evidence."""
        kind = f"（{self.hold.kind}）" if self.hold else ""
        text = f"{EVENT_ZH.get(self.kind, self.kind)}{kind} {self.start:.1f}–{self.end:.1f}s"
        return Evidence(start=self.start, end=self.end, text=text)


def holds(spans: list[Hold]) -> list[Event]:
    ordered = sorted(spans, key=lambda h: h.start)
    return [Event("hold", n, h.start, h.end, hold=h) for n, h in enumerate(ordered)]


def transfers(utts: list[Utterance], cues: list[int], merge_within: int) -> list[Event]:
    """One transfer per run of agent utterances announcing it (``cues``: their indices), cues at
    most ``merge_within`` utterances apart announcing the same transfer."""
    runs: list[list[int]] = []
    for i in cues:
        if runs and i - runs[-1][-1] <= merge_within:
            runs[-1].append(i)
        else:
            runs.append([i])
    return [Event("transfer", n, utts[run[0]].start, utts[run[-1]].end, first_utt=run[0], last_utt=run[-1])
            for n, run in enumerate(runs)]
