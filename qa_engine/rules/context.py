"""The inputs of rule evaluation and the per-call view that caches normalised text and matches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from qa_engine.callrecord import CallRecord
from qa_engine.rules import text as T
from qa_engine.types import CallMetrics, Evidence, Hold, Utterance

if TYPE_CHECKING:
    from qa_engine.rules.phrases import Match, PhraseIndex


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


@dataclass(frozen=True, slots=True)
class Event:
    """A hold (from the metrics) or a transfer (derived from the agent's words)."""

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

    def evidence(self) -> Evidence:
        label = {"hold": "保持", "transfer": "转接"}.get(self.kind, self.kind)
        kind = f"（{self.hold.kind}）" if self.hold else ""
        return trusted_evidence(self.start, self.end, f"{label}{kind} {self.start:.1f}–{self.end:.1f}s")


class Scope(BaseModel):
    """Which utterances an operator looks at. Filters apply in the order of the fields."""

    model_config = ConfigDict(extra="forbid")

    speaker: Literal["agent", "customer", "any"] = "agent"
    question: bool = Field(False, description="only utterances that ask a question")
    before_event: int | None = Field(None, ge=1, description="last N utterances starting before the current event")
    after_event: int | None = Field(None, ge=1, description="first N utterances starting after the current event ends")
    in_event: bool = Field(False, description="the utterances that announce the current event (transfers)")
    first_turn: bool = Field(False, description="the speaker's first turn: utterances until the other party speaks")
    first: int | None = Field(None, ge=1)
    last: int | None = Field(None, ge=1)
    first_s: float | None = Field(None, gt=0, description="utterances starting within the first N seconds")
    last_s: float | None = Field(None, gt=0, description="utterances ending within the last N seconds")

    def key(self) -> tuple:
        return tuple(self.model_dump().values())

    def narrow(self) -> bool:
        """True when the scope picks a few utterances (first turn, last N, around an event…)."""
        return any(v not in (None, False) for v in (self.before_event, self.after_event, self.in_event, self.first_turn,
                                                      self.first, self.last, self.first_s, self.last_s))


QUESTION_MARKS = ("?", "？", "吗", "请问", "什么", "怎么", "哪", "多少", "贵姓", "呢")
EVENT_TOLERANCE_S = 1.0


_new = object.__new__
_setattr = object.__setattr__
_EV_FIELDS = frozenset({"start", "end", "text"})
_EV_FIELDS_SPEAKER = frozenset({"speaker", "start", "end", "text"})


def trusted_evidence(start: float, end: float, text: str = "", speaker: str | None = None) -> Evidence:
    """``Evidence(...)`` for values the engine built itself (no validation; same fields set, same
    dump): constructing models is a large share of a call's time otherwise."""
    e = _new(Evidence)
    _setattr(e, "__dict__", {"speaker": speaker, "start": float(start), "end": float(end), "text": text})
    _setattr(e, "__pydantic_fields_set__", set(_EV_FIELDS if speaker is None else _EV_FIELDS_SPEAKER))
    _setattr(e, "__pydantic_extra__", None)
    _setattr(e, "__pydantic_private__", None)
    return e


_start = attrgetter("start")


class CallView:
    """One call prepared for evaluation; caches views, matches, scopes and events.

    Everything is computed lazily and at most once per call: the normalised views of all utterances
    (one ``translate`` per view over the whole call joined with ``T.SEP``), the matches of each
    phrase-list group (one automaton pass per group and speaker), scopes, events and evidence.
    """

    def __init__(self, ctx: CallContext, index: PhraseIndex, transfer_cfg: dict | None = None):
        self.ctx = ctx
        self.index = index
        self._group_of = index.group_of
        self.utts = sorted(ctx.transcript, key=_start)
        self._texts = [u.text for u in self.utts]
        self._speakers = [u.speaker for u in self.utts]
        # a speaker's utterances are normalised in one pass over their joined text, unless a text
        # contains the separator itself
        self._joinable = all(T.SEP not in t for t in self._texts)
        self._views: dict[tuple[int, str], str] = {}
        self._spk_views: dict[tuple[str, str], list[str]] = {}
        self._spk_joined: dict[tuple[str, str], str] = {}
        self._raw: dict[tuple[int, int], tuple] = {}
        self._matches: dict[tuple[int, int], dict[str, list[Match]]] = {}
        self._prefetched: set = set()  # groups prefetched, ("batch", speaker) batched
        self._scopes: dict[tuple, list[int]] = {}
        self._evidence: list[Evidence | None] = [None] * len(self.utts)
        self._questions: list[bool] | None = None
        self.memo: dict = {}
        self._events: dict[str, list[Event]] = {}
        self._transfer_cfg = transfer_cfg or {}
        self.by_speaker = {"agent": [], "customer": [], "any": list(range(len(self.utts)))}
        self._pos: list[int] = []
        for i, sp in enumerate(self._speakers):
            lst = self.by_speaker[sp]
            self._pos.append(len(lst))
            lst.append(i)

    # --- text -------------------------------------------------------------------------------
    def view(self, i: int, channel: str) -> str:
        """One normalised view of utterance i: clean | chars | pinyin | fuzzy (computed once)."""
        key = (i, channel)
        v = self._views.get(key)
        if v is None:
            sp = self._speakers[i]
            full = self._spk_views.get((sp, channel))
            if full is None and self._joinable and sp in self.index.full_speakers:
                full = self.speaker_view(sp, channel)
            if full is not None:
                v = full[self._pos[i]]
            elif channel == "clean":
                v = T.clean(self._texts[i])
            elif channel == "chars":
                v = T.numerals_to_arabic(self.view(i, "clean"))
            elif channel == "pinyin":
                cleaned = self._views.get((i, "clean"))
                v = T.pinyin_of_text(self._texts[i]) if cleaned is None else T.pinyin_of_clean(cleaned)
            else:
                v = T.fuzzy_of_pinyin(self.view(i, "pinyin"))
            self._views[key] = v
        return v

    @staticmethod
    def _one_view(text: str, channel: str) -> str:
        if channel == "pinyin":
            return T.pinyin_of_text(text)
        cleaned = T.clean(text)
        if channel == "clean":
            return cleaned
        if channel == "chars":
            return T.numerals_to_arabic(cleaned)
        return T.fuzzy_of_pinyin(T.pinyin_of_clean(cleaned))

    def views(self, i: int) -> tuple[str, str, str]:
        return self.view(i, "chars"), self.view(i, "pinyin"), self.view(i, "fuzzy")

    def speaker_view(self, speaker: str, channel: str) -> list[str]:
        """One view of all utterances of a speaker, normalised in one pass over their joined text."""
        key = (speaker, channel)
        v = self._spk_views.get(key)
        if v is None:
            idx = self.by_speaker[speaker]
            if not self._joinable or not idx:
                v = [self._one_view(self._texts[i], channel) for i in idx]
            else:
                if channel == "clean":
                    joined = T.clean(T.SEP.join([self._texts[i] for i in idx]))
                elif channel == "pinyin" and (speaker, "clean") not in self._spk_joined:
                    joined = T.pinyin_of_text(T.SEP.join([self._texts[i] for i in idx]))
                else:
                    src = "pinyin" if channel == "fuzzy" else "clean"
                    self.speaker_view(speaker, src)
                    base = self._spk_joined[(speaker, src)]
                    joined = (T.numerals_to_arabic(base) if channel == "chars" else
                              T.pinyin_of_clean(base) if channel == "pinyin" else T.fuzzy_of_pinyin(base))
                self._spk_joined[key] = joined
                v = joined.split(T.SEP)
            self._spk_views[key] = v
        return v

    def found(self, i: int, list_id: str) -> list[Match]:
        """Matches of one list in utterance i (the list's whole group is matched once and cached).

        Group 0 (lists searched in every utterance of a speaker) is matched over all utterances of
        the speaker in one pass; other groups utterance by utterance, as narrow scopes need a few."""
        g = self._group_of[list_id]
        m = self._matches.get((i, g))
        if m is None:
            m = self._match(i, g)
        return m.get(list_id, ())

    def _match(self, i: int, g: int) -> dict[str, list[Match]]:
        key = (i, g)
        if self._joinable:  # batched passes store their finished matches in self._matches
            if g == 0:
                if ("batch", self._speakers[i]) not in self._prefetched:
                    self._batch(g, self._speakers[i])
            elif g not in self._prefetched:
                self._prefetch(g)
            m = self._matches.get(key)
            if m is not None:
                return m
        group = self.index.groups[g]
        raw = self._raw.pop(key, None)
        if raw is None:
            if group.patterns:
                m = group.finish(*group.scan(lambda ch: self.view(i, ch)), lambda: self.view(i, "chars"),
                                 self._patterns_absent(g, self._speakers[i]))
            else:
                m = group.match(lambda ch: self.view(i, ch))
        elif group.patterns or raw[1]:
            m = group.finish(raw[0], raw[1], lambda: self.view(i, "chars"), self._patterns_absent(g, self._speakers[i]))
        else:
            m = raw[0]
        self._matches[key] = m
        return m

    def _patterns_absent(self, g: int, speaker: str) -> frozenset[str]:
        """Lists of group g whose patterns match no utterance of the speaker (one search over the
        joined characters view, where the speaker's text is normalised in one pass anyway)."""
        key = ("absent", g, speaker)
        absent = self.memo.get(key)
        if absent is None:
            absent = frozenset()
            group = self.index.groups[g]
            if self._joinable and speaker in self.index.full_speakers and group.context_free:
                self.speaker_view(speaker, "chars")
                joined = self._spk_joined.get((speaker, "chars"), "")
                absent = frozenset(lid for lid in group.context_free if not group.patterns[lid].search(joined))
            self.memo[key] = absent
        return absent

    def _batch(self, g: int, speaker: str) -> None:
        """Run a group's automata once over all utterances of a speaker (joined with T.SEP)."""
        self._prefetched.add(("batch", speaker))
        idx = self.by_speaker[speaker]
        group = self.index.groups[g]
        views = [(ch, self.speaker_view(speaker, ch)) for ch in group.channels]
        self._finish_all(g, idx, group.scan_many(views, list(range(len(idx)))))

    def _finish_all(self, g: int, idx: list[int], raws: list[tuple[dict, list]]) -> None:
        """``group.finish`` of each batched utterance into self._matches, skipping it where it has
        nothing to do (no pattern that can match the speaker's text, no match to filter)."""
        group = self.index.groups[g]
        matches, speakers, view = self._matches, self._speakers, self.view
        active: dict[str, bool] = {}  # speaker → some pattern of the group may match
        for i, (found, exceptions) in zip(idx, raws):
            key = (i, g)
            if key in matches:
                continue
            if group.patterns:
                sp = speakers[i]
                act = active.get(sp)
                if act is None:
                    act = active[sp] = not self._patterns_absent(g, sp).issuperset(group.patterns)
                if act or (exceptions and found):
                    matches[key] = group.finish(found, exceptions, lambda i=i: view(i, "chars"),
                                                self._patterns_absent(g, sp))
                    continue
            elif exceptions and found:
                matches[key] = group.finish(found, exceptions, lambda i=i: view(i, "chars"))
                continue
            matches[key] = found

    def _prefetch(self, g: int) -> None:
        """Run group g's automata once over every utterance the scopes that search its lists will
        look at (first turn, last N, around each hold or transfer…), joined with T.SEP. Utterances
        outside them (a scope the rules did not declare) are matched one by one as before."""
        self._prefetched.add(g)
        want: set[int] = set()
        for scope, skey, kind in self.index.group_scopes[g]:
            if kind is None:
                want.update(self.scope_cached(scope, skey, None))
            else:
                for ev in self.events(kind):
                    want.update(self.scope_cached(scope, skey, ev))
        todo = sorted(i for i in want if (i, g) not in self._matches and (i, g) not in self._raw)
        if not todo:
            return
        group = self.index.groups[g]
        view = self.view
        views = [(ch, [view(i, ch) for i in todo]) for ch in group.channels]
        self._finish_all(g, todo, group.scan_many(views, list(range(len(todo)))))

    def evidence(self, i: int) -> Evidence:
        e = self._evidence[i]
        if e is None:
            u = self.utts[i]
            e = self._evidence[i] = trusted_evidence(u.start, u.end, u.text, u.speaker)
        return e

    def is_question(self, i: int) -> bool:
        q = self._questions
        if q is None:
            q = self._questions = [any(m in t for m in QUESTION_MARKS) for t in self._texts]
        return q[i]

    def scope_cached(self, s: Scope, key: tuple, event: Event | None) -> list[int]:
        """``scope`` memoised per call (several operators share a scope, e.g. around each hold)."""
        k = (key, event.kind, event.ordinal) if event is not None else key
        idx = self._scopes.get(k)
        if idx is None:
            idx = self._scopes[k] = self.scope(s, event)
        return idx

    @property
    def local_start(self) -> datetime | None:
        return self.ctx.local_start or self.ctx.record.started_at

    # --- events -----------------------------------------------------------------------------
    def events(self, kind: str) -> list[Event]:
        ev = self._events.get(kind)
        if ev is None:
            ev = self._events[kind] = self._holds() if kind == "hold" else self._transfers()
        return ev

    def _holds(self) -> list[Event]:
        holds = sorted(self.ctx.metrics.holds, key=lambda h: h.start)
        return [Event("hold", n, h.start, h.end, hold=h) for n, h in enumerate(holds)]

    def _transfers(self) -> list[Event]:
        list_id = self._transfer_cfg.get("list", "transfer_cue")
        gap = int(self._transfer_cfg.get("merge_within_utterances", 3))
        cues = [i for i in self.by_speaker["agent"] if self.found(i, list_id)]
        groups: list[list[int]] = []
        for i in cues:
            if groups and i - groups[-1][-1] <= gap:
                groups[-1].append(i)
            else:
                groups.append([i])
        return [
            Event("transfer", n, self.utts[g[0]].start, self.utts[g[-1]].end, first_utt=g[0], last_utt=g[-1])
            for n, g in enumerate(groups)
        ]

    # --- scopes -----------------------------------------------------------------------------
    def scope(self, s: Scope, event: Event | None) -> list[int]:
        idx = self.by_speaker[s.speaker]
        if s.question:
            idx = [i for i in idx if self.is_question(i)]
        if event is not None:
            idx = self._event_scope(idx, s, event)
        if s.first_turn and idx:
            sp = self._speakers
            first = sp[idx[0]]
            stop = next((j for j in range(idx[0] + 1, len(sp)) if sp[j] != first), len(sp))
            idx = [i for i in idx if i < stop]
        if s.first is not None:
            idx = idx[: s.first]
        if s.last is not None:
            idx = idx[-s.last:]
        if s.first_s is not None:
            t0 = self.utts[0].start if self.utts else 0.0
            idx = [i for i in idx if self.utts[i].start < t0 + s.first_s]
        if s.last_s is not None:
            end = self.ctx.metrics.duration_s or (self.utts[-1].end if self.utts else 0.0)
            idx = [i for i in idx if self.utts[i].end > end - s.last_s]
        return idx

    def _event_scope(self, idx: list[int], s: Scope, ev: Event) -> list[int]:
        if s.in_event and ev.first_utt is not None:
            return [i for i in idx if ev.first_utt <= i <= ev.last_utt]
        if s.before_event is not None:
            if ev.first_utt is not None:  # transfers: up to and including the first announcement
                before = [i for i in idx if i <= ev.first_utt]
            else:
                before = [i for i in idx if self.utts[i].start < ev.start]
            return before[-s.before_event:]
        if s.after_event is not None:
            if ev.first_utt is not None:
                after = [i for i in idx if i > ev.first_utt]
            else:
                after = [i for i in idx if self.utts[i].start >= ev.end - EVENT_TOLERANCE_S]
            return after[: s.after_event]
        return idx
