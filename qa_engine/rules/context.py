"""The inputs of rule evaluation and the per-call view that caches normalised text and matches."""

from __future__ import annotations

from typing import Any

import re
from collections.abc import Mapping
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from operator import attrgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, TypeVar

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
    # qa_engine.verify.Verifier: asks the audio whether an expected phrase was said where the
    # transcript does not show it (the opening rules); None = text only.
    verifier: Any = None


@dataclass(frozen=True)
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

    @cached_property
    def evidence(self) -> Evidence:
        """The event's span as evidence (built once: several rules cite the same hold)."""
        label = {"hold": "保持", "transfer": "转接"}.get(self.kind, self.kind)
        kind = f"（{self.hold.kind}）" if self.hold else ""
        return trusted_evidence(self.start, self.end, f"{label}{kind} {self.start:.1f}–{self.end:.1f}s")


_KEYS: dict[tuple, int] = {}


def intern_key(key: tuple) -> int:
    """The number standing for a compile-time key (scopes, memoised expressions) in this process."""
    return _KEYS.setdefault(key, len(_KEYS))


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

    def key(self) -> int:
        """A small number naming the scope (equal scopes, equal numbers): cheap to hash per call."""
        return intern_key(tuple(self.model_dump().values()))

    def narrow(self) -> bool:
        """True when the scope picks a few utterances (first turn, last N, around an event…)."""
        return any(v not in (None, False) for v in (self.before_event, self.after_event, self.in_event, self.first_turn,
                                                      self.first, self.last, self.first_s, self.last_s))


QUESTION_MARKS = ("?", "？", "吗", "请问", "什么", "怎么", "哪", "多少", "贵姓", "呢")
_QUESTION = re.compile("|".join(re.escape(m) for m in QUESTION_MARKS))
EVENT_TOLERANCE_S = 1.0


M = TypeVar("M", bound=BaseModel)
_new = object.__new__
# BaseModel's slots, set through their descriptors (object.__setattr__ looks each name up first)
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_EV_FIELDS = frozenset({"start", "end", "text"})
# One fields-set shared by the models that set every field: pydantic only ever adds a field name
# to it (on assignment), which is in it already, and copies it when it copies a model.
_ALL_EV_FIELDS = {"speaker", "start", "end", "text"}


def trusted_model(cls: type[M], values: dict, fields_set: frozenset[str]) -> M:
    """``cls(**values)`` for values the engine built itself: no validation, the same fields set and
    the same dump. Constructing models is a large share of a call's time otherwise."""
    m = _new(cls)
    _set_dict(m, values)
    _set_fields_set(m, set(fields_set))
    _set_extra(m, None)
    _set_private(m, None)
    return m


def trusted_evidence(start: float, end: float, text: str = "", speaker: str | None = None) -> Evidence:
    """``Evidence(...)`` for values the engine built itself: ``trusted_model`` written out, as one
    call less matters for the commonest model of all."""
    m = _new(Evidence)
    _set_dict(m, {"speaker": speaker, "start": float(start), "end": float(end), "text": text, "audio_check": None})
    _set_fields_set(m, set(_EV_FIELDS) if speaker is None else _ALL_EV_FIELDS)
    _set_extra(m, None)
    _set_private(m, None)
    return m


_start = attrgetter("start")
VIEW_CHANNELS = ("clean", "chars", "pinyin", "fuzzy")
_DERIVE = {"chars": T.numerals_to_arabic, "pinyin": T.pinyin_of_clean, "fuzzy": T.fuzzy_of_pinyin}
_NO_MATCHES: Mapping[str, list[Match]] = MappingProxyType({})  # shared by every utterance without a match


class CallView:
    """One call prepared for evaluation; caches views, matches, scopes and events.

    Everything is computed lazily and at most once per call: the normalised views of the utterances
    a search needs (one ``translate`` per view over them joined with ``T.SEP``), the matches of each
    phrase-list group (one automaton pass per view over the utterances its scopes cover: every line
    of the speaker for group 0), scopes, events and evidence.
    """

    def __init__(self, ctx: CallContext, index: PhraseIndex, transfer_cfg: dict | None = None):
        self.ctx = ctx
        self.index = index
        self._group_of = index.group_of
        utts = list(ctx.transcript)
        fields = [u.__dict__ for u in utts]  # (one attribute read per model: pydantic's are slow)
        starts = [d["start"] for d in fields]
        if starts != sorted(starts):  # transcripts usually come in order: sort only when not
            utts.sort(key=_start)
            fields = [u.__dict__ for u in utts]
            starts = [d["start"] for d in fields]
        self.utts = utts
        self._starts = starts
        self._ends = [d["end"] for d in fields]
        self._texts = [d["text"] for d in fields]
        self._speakers = [d["speaker"] for d in fields]
        # utterances are normalised in one pass over their joined text, unless a text contains the
        # separator itself
        self._joinable = T.SEP not in "".join(self._texts)
        n = len(self.utts)
        # per channel / per group, indexed by utterance (None: not computed yet)
        self._views: dict[str, list[str | None]] = {ch: [None] * n for ch in VIEW_CHANNELS}
        self._matches: list[list[Mapping[str, list[Match]] | None]] = [[None] * n for _ in index.groups]
        self._prefetched: set = set()  # groups prefetched, ("batch", speaker) batched
        self._scopes: dict[tuple, list[int]] = {}
        self._evidence: list[Evidence | None] = [None] * len(self.utts)
        self.memo: dict = {}
        # build the English messages too (``evaluate`` in Chinese turns them off: never shown)
        self.en = True
        self._events: dict[str, list[Event]] = {}
        self._transfer_cfg = transfer_cfg or {}
        speakers = self._speakers
        self.by_speaker = {"agent": [i for i in range(n) if speakers[i] == "agent"],
                           "customer": [i for i in range(n) if speakers[i] == "customer"], "any": list(range(n))}

    # --- text -------------------------------------------------------------------------------
    def view(self, i: int, channel: str) -> str:
        """One normalised view of utterance i: clean | chars | pinyin | fuzzy (computed once)."""
        v = self._views[channel][i]
        if v is None:
            self._fill([i], channel)
            v = self._views[channel][i]
        return v

    def views(self, i: int) -> tuple[str, str, str]:
        return self.view(i, "chars"), self.view(i, "pinyin"), self.view(i, "fuzzy")

    def _fill(self, idx: list[int], channel: str) -> None:
        """Computes one view of the utterances in idx that lack it, in one pass over their joined
        text (each view is derived from the one before it: clean → chars, clean → pinyin → fuzzy)."""
        views = self._views[channel]
        todo = [i for i in idx if views[i] is None]
        if not todo:
            return
        if channel == "clean":
            fn, src = T.clean, [self._texts[i] for i in todo]
        elif channel == "pinyin" and None in [self._views["clean"][i] for i in todo]:
            fn, src = T.pinyin_of_text, [self._texts[i] for i in todo]  # raw → pinyin in one table
        else:
            base = "pinyin" if channel == "fuzzy" else "clean"
            self._fill(todo, base)
            fn = _DERIVE[channel]
            base_views = self._views[base]
            src = [base_views[i] for i in todo]
        if self._joinable and len(todo) > 1:
            out = fn(T.SEP.join(src)).split(T.SEP)  # every view keeps T.SEP and never makes one
        else:
            out = [fn(t) for t in src]
        for i, v in zip(todo, out):
            views[i] = v

    def found(self, i: int, list_id: str) -> list[Match]:
        """Matches of one list in utterance i (the list's whole group is matched once and cached).

        Group 0 (lists searched in every utterance of a speaker) is matched over all utterances of
        the speaker in one pass; other groups over the utterances their scopes look at."""
        g = self._group_of[list_id]
        m = self._matches[g][i]
        if m is None:
            m = self._match(i, g)
        return m.get(list_id, ())

    def _match(self, i: int, g: int) -> Mapping[str, list[Match]]:
        if self._joinable:  # batched passes store their finished matches in self._matches
            if g == 0:
                if ("batch", self._speakers[i]) not in self._prefetched:
                    self._batch(g, self._speakers[i])
            elif g not in self._prefetched:
                self._prefetch(g)
            m = self._matches[g][i]
            if m is not None:
                return m
        # an utterance no declared scope covers: matched on its own
        m = self._matches[g][i] = self.index.groups[g].match(lambda ch: self.view(i, ch))
        return m

    def _batch(self, g: int, speaker: str) -> None:
        """Run a group's automata once over all utterances of a speaker."""
        self._prefetched.add(("batch", speaker))
        done = self._matches[g]
        self._scan(g, [i for i in self.by_speaker[speaker] if done[i] is None])

    def _prefetch(self, g: int) -> None:
        """Run group g's automata once over every utterance the scopes that search its lists will
        look at (first turn, last N, around each hold or transfer…). Utterances outside them (a
        scope the rules did not declare) are matched one by one."""
        self._prefetched.add(g)
        want: set[int] = set()
        for scope, skey, kind in self.index.group_scopes[g]:
            if kind is None:
                want.update(self.scope_cached(scope, skey, None))
            else:
                for ev in self.events(kind):
                    want.update(self.scope_cached(scope, skey, ev))
        done = self._matches[g]
        self._scan(g, sorted([i for i in want if done[i] is None]))

    def _scan(self, g: int, idx: list[int]) -> None:
        """Matches of group g in the utterances idx (one pass per channel over their joined views),
        finished (exceptions, patterns that depend on context) where there is anything to finish."""
        if not idx:
            return
        group = self.index.groups[g]
        texts = {}
        for ch in group.channels:
            self._fill(idx, ch)
            views = self._views[ch]
            texts[ch] = [views[i] for i in idx]
        matches = self._matches[g]
        hits = group.scan_many(texts, len(idx))
        if not group.context_patterns:  # most lines have no match: they share one empty mapping
            for i in idx:
                matches[i] = _NO_MATCHES
            todo = hits.items()
        else:
            todo = ((k, hits.get(k) or ({}, [])) for k in range(len(idx)))
        for k, (found, exceptions) in todo:
            i = idx[k]
            if group.context_patterns or (exceptions and found):
                found = group.finish(found, exceptions, lambda i=i: self.view(i, "chars"), group.context_free)
            matches[i] = found

    def evidence(self, i: int) -> Evidence:
        e = self._evidence[i]
        return self.evidence_of([i])[0] if e is None else e

    def evidence_of(self, idx: list[int]) -> list[Evidence]:
        """The utterances idx as evidence, each built once per call (one call for the many lines a
        failed search shows)."""
        cache = self._evidence
        out = list(map(cache.__getitem__, idx))
        for k, e in enumerate(out):
            if e is None:  # (not `None in out`: that compares every Evidence with None)
                i = idx[k]
                out[k] = cache[i] = trusted_evidence(self._starts[i], self._ends[i], self._texts[i], self._speakers[i])
        return out

    def questions(self, idx: list[int], limit: int | None = None) -> list[int]:
        """The utterances of idx that ask a question (the first ``limit`` of them)."""
        search, texts = _QUESTION.search, self._texts
        if limit is None:
            return [i for i in idx if search(texts[i]) is not None]
        out: list[int] = []
        for i in idx:
            if search(texts[i]) is not None:
                out.append(i)
                if len(out) == limit:
                    break
        return out

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
        # view.found inlined (1 % of a call's instructions); the first line's match runs the list's
        # group over all the agent's lines at once
        g, cues = self._group_of[list_id], []
        matches = self._matches[g]
        for i in self.by_speaker["agent"]:
            m = matches[i]
            if list_id in (self._match(i, g) if m is None else m):
                cues.append(i)
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
        f = s.__dict__  # (one attribute read: pydantic's are slow, and a scope reads every field)
        idx = self.by_speaker[f["speaker"]]
        first = f["first"]
        if f["question"]:
            # with nothing but `first` after it, only the first questions are looked for
            lazy = first is not None and event is None and not f["first_turn"]
            idx = self.questions(idx, first if lazy else None)
        if event is not None:
            idx = self._event_scope(idx, f, event)
        if f["first_turn"] and idx:
            sp = self._speakers
            who = sp[idx[0]]
            stop = next((j for j in range(idx[0] + 1, len(sp)) if sp[j] != who), len(sp))
            idx = [i for i in idx if i < stop]
        if first is not None:
            idx = idx[:first]
        if f["last"] is not None:
            idx = idx[-f["last"]:]
        if f["first_s"] is not None:
            t0, starts = (self._starts[0] if self._starts else 0.0), self._starts
            idx = [i for i in idx if starts[i] < t0 + f["first_s"]]
        if f["last_s"] is not None:
            end = self.ctx.metrics.duration_s or (self._ends[-1] if self._ends else 0.0)
            ends = self._ends
            idx = [i for i in idx if ends[i] > end - f["last_s"]]
        return idx

    def _event_scope(self, idx: list[int], f: dict, ev: Event) -> list[int]:
        # idx is in utterance order, which is start-time order: the cuts are bisections.
        # f: the Scope's fields
        if f["in_event"] and ev.first_utt is not None:
            return idx[bisect_left(idx, ev.first_utt):bisect_right(idx, ev.last_utt)]
        starts = self._starts.__getitem__
        before, after = f["before_event"], f["after_event"]
        if before is not None:
            if ev.first_utt is not None:  # transfers: up to and including the first announcement
                cut = bisect_right(idx, ev.first_utt)
            else:
                cut = bisect_left(idx, ev.start, key=starts)
            return idx[max(0, cut - before):cut]
        if after is not None:
            if ev.first_utt is not None:
                cut = bisect_right(idx, ev.first_utt)
            else:
                cut = bisect_left(idx, ev.end - EVENT_TOLERANCE_S, key=starts)
            return idx[cut:cut + after]
        return idx
