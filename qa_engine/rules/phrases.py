"""Named phrase lists compiled once per rule set into three Aho–Corasick automata.

One automaton runs over the normalised characters, one over pinyin syllables and one over folded
("fuzzy") syllables. Each key carries the lists it belongs to, so one pass per view over an
utterance answers every list of the rule set at once; results are cached per utterance.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import ahocorasick

from qa_engine.rules import text as T
from qa_engine.rules.regex_hint import required_chars, starts_with_literal

Tolerance = Literal["exact", "pinyin", "fuzzy"]
CHANNELS = ("clean", "chars", "pinyin", "fuzzy")


@dataclass(frozen=True)
class PhraseList:
    """A named list as loaded from rules/lists/<id>.yaml (includes already resolved)."""

    id: str
    phrases: tuple[str, ...]
    tolerance: Tolerance = "pinyin"
    patterns: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    hotword: bool = False
    title_zh: str = ""


_new_tuple = tuple.__new__  # builds a Match without the namedtuple's Python-level __new__


class Match(NamedTuple):
    """One occurrence of a list phrase (positions are in the view of ``channel``)."""

    phrase: str
    channel: str
    start: int
    end: int


@dataclass
class _Entry:
    length: int
    owners: list[tuple[str, bool, str]] = field(default_factory=list)  # (list id, is exception, phrase)


class _Group:
    """Automata over the views a group of lists needs (views are fetched lazily by channel)."""

    def __init__(self, lists: list[PhraseList]):
        entries: dict[str, dict[str, _Entry]] = {c: {} for c in CHANNELS}
        for pl in lists:
            for is_exc, phrases in ((False, pl.phrases), (True, pl.exceptions)):
                for phrase in phrases:
                    _add(entries, pl, phrase, is_exc)
        if not any(pl.patterns for pl in lists) and not any(_NUMERAL.search(key) for key in entries["chars"]):
            # keys free of numerals (客户同意: 可以, 好的…) match in the cleaned text exactly where they
            # match in the characters view, which only rewrites numeral runs: the group then needs
            # no numeral conversion
            entries["clean"], entries["chars"] = entries["chars"], {}
        self.automata = [(c, a) for c in CHANNELS if (a := _build(entries[c])) is not None]
        self.with_exceptions = frozenset(pl.id for pl in lists if pl.exceptions)
        self.patterns = {pl.id: re.compile("|".join(f"(?:{p})" for p in pl.patterns)) for pl in lists if pl.patterns}
        # patterns free of anchors and lookarounds find in texts joined with T.SEP what they find
        # in each text (a match across a separator aside): ``scan_many`` runs them once
        self.context_free = tuple(i for i, rx in self.patterns.items() if not _CONTEXT.search(rx.pattern))
        self.context_patterns = len(self.context_free) < len(self.patterns)
        # characters each pattern cannot match without: lines holding none of them are skipped
        self.hints = {i: required_chars(rx.pattern) for i, rx in self.patterns.items()}
        # patterns that start with a literal are searched in the joined texts even so (see
        # starts_with_literal)
        self.literal_first = frozenset(i for i, rx in self.patterns.items() if starts_with_literal(rx.pattern))
        # the views ``scan_many`` needs: the automata's, and the characters for patterns
        self.channels = [c for c, _ in self.automata]
        if self.context_free and "chars" not in self.channels:
            self.channels.insert(0, "chars")

    def match(self, view: Callable[[str], str]) -> dict[str, list[Match]]:
        return self.finish(*self.scan(view), lambda: view("chars"))

    def scan(self, view: Callable[[str], str]) -> tuple[dict[str, list[Match]], list[tuple[str, Match]]]:
        """The automaton matches of one text, ``(found, exceptions)``, to pass to ``finish``."""
        found: dict[str, list[Match]] = {}
        exceptions: list[tuple[str, Match]] = []
        for channel, automaton in self.automata:
            text = view(channel)
            if not text:
                continue
            for end, (length, owners, _) in automaton.iter(text):
                _collect(owners, channel, end + 1 - length, end + 1, found, exceptions)
        return found, exceptions

    def scan_many(self, views: dict[str, list[str]], n: int) -> dict[int, tuple[dict, list]]:
        """Matches of n texts, given per channel in ``views``, in one pass per channel over the texts
        joined with ``T.SEP`` (which no key contains), context-free patterns included. Returns, for
        each text k with a match, ``(found, exceptions)`` in the text's own positions, to pass to
        ``finish`` (with ``skip=self.context_free``); equal to what ``match`` collects text by text."""
        out: dict[int, tuple[dict, list]] = {}
        if not n:
            return out
        new = _new_tuple
        offsets: dict[tuple[int, ...], tuple[list[int], int]] = {}
        chars_layout = None
        for channel, automaton in self.automata:
            texts = views[channel]
            lengths = tuple(map(len, texts))  # the pinyin and fuzzy views of a text are as long
            offs, pos = offsets.get(lengths) or offsets.setdefault(lengths, _offsets(texts))
            joined = T.SEP.join(texts)
            if channel == "chars":  # (the patterns search the same joined text)
                chars_layout = joined, offs
            k, nxt, last = -1, 0, n - 1
            base, found, exceptions = 0, None, None
            for end, (length, owners, single) in automaton.iter(joined):
                start = end + 1 - length
                if start >= nxt:  # matches come in order of their end, and never span a SEP
                    while start >= nxt:
                        k += 1
                        nxt = offs[k + 1] if k < last else pos + 1
                    base = offs[k]
                    entry = out.get(k)
                    if entry is None:
                        entry = out[k] = ({}, [])
                    found, exceptions = entry
                # the common case of _collect inlined: this loop runs for every hit of every call
                a, b = start - base, end + 1 - base
                if single is not None:  # the common case: the key belongs to one list, no exception
                    list_id, phrase = single
                    ms = found.get(list_id)
                    if ms is None:
                        found[list_id] = [new(Match, (phrase, channel, a, b))]
                    else:
                        ms.append(new(Match, (phrase, channel, a, b)))
                    continue
                _collect(owners, channel, a, b, found, exceptions)
        if self.context_free:
            self._patterns_many(views["chars"], out, chars_layout)
        return out

    def _patterns_many(self, texts: list[str], out: dict[int, tuple[dict, list]],
                       layout: tuple[str, list[int]] | None = None) -> None:
        """The context-free patterns over the texts joined: a match is filed under the text it lies
        in; one across a separator is dropped and the texts it touched are searched on their own.
        ``layout``: the joined text and its offsets when the caller has them."""
        joined, offs = layout if layout is not None else (T.SEP.join(texts), _offsets(texts)[0])
        for list_id in self.context_free:
            regex = self.patterns[list_id]
            hint = self.hints[list_id]
            if hint is not None and list_id not in self.literal_first:
                for k in sorted(_texts_holding(joined, offs, hint)):
                    _file(out, k, list_id, _regex_matches(regex, texts[k]))
                continue
            per: dict[int, list[Match]] = {}
            redo: set[int] = set()
            for rm in regex.finditer(joined):
                a, b = rm.span()
                k = bisect_right(offs, a) - 1
                if b > offs[k] + len(texts[k]):
                    redo.update(range(k, bisect_right(offs, b - 1)))
                    continue
                per.setdefault(k, []).append(_new_tuple(Match, (rm.group(), "chars", a - offs[k], b - offs[k])))
            for k in redo:
                per[k] = _regex_matches(regex, texts[k])
            for k, ms in per.items():
                _file(out, k, list_id, ms)

    def finish(self, found: dict[str, list[Match]], exceptions: list[tuple[str, Match]],
               chars: Callable[[], str], skip: Collection[str] = ()) -> dict[str, list[Match]]:
        """Adds the ``patterns`` matches (over the characters view) and drops matches inside an
        exception of their list. ``skip``: lists whose patterns ``scan_many`` has matched already."""
        if self.patterns:
            text = chars()
            for list_id, regex in self.patterns.items():
                hint = self.hints[list_id]
                if list_id in skip or hint is not None and not any(ch in text for ch in hint):
                    continue
                ms = _regex_matches(regex, text)
                if ms:
                    found.setdefault(list_id, []).extend(ms)
        if exceptions:
            for list_id in self.with_exceptions & found.keys():
                kept = [m for m in found[list_id] if not _covered(list_id, m, exceptions)]
                if kept:
                    found[list_id] = kept
                else:
                    del found[list_id]
        return found


class PhraseIndex:
    """All lists of a rule set, ready to match any text in one pass per view.

    Lists are split in groups (``group_of``, default: one group): group 0 holds the lists searched
    in every agent utterance (taboo phrases, transfer cues; matched in one batched pass), the others
    are searched only in the few utterances of narrow scopes (first turn, lines around a hold, the
    customer's answer), so most utterances run one small automaton.
    """

    def __init__(self, lists: dict[str, PhraseList], group_of: dict[str, int] | None = None,
                 scopes: dict[str, dict[tuple, tuple]] | None = None):
        self.lists = lists
        group_of = group_of or {}
        n = max([0, *group_of.values()]) + 1
        # lists no rule searches by phrase (work-number prefixes…) go in a last group of their own,
        # which no call scans: only match_text looks at them
        rest = n if group_of else 0
        parts: list[list[PhraseList]] = [[] for _ in range(rest + 1)]
        for pl in lists.values():
            parts[group_of.get(pl.id, rest)].append(pl)
        self.groups = [_Group(part) for part in parts]
        self.group_of = {pl.id: g for g, part in enumerate(parts) for pl in part}
        self._groups_for: dict[tuple[str, ...], _Group] = {}
        # per group: the (Scope, scope key, event kind) its lists are searched in (from the compiled
        # rules), so a call matches a group over all utterances they cover in one batched pass
        group_scopes: list[dict[tuple, tuple]] = [{} for _ in parts]
        for list_id, uses in (scopes or {}).items():
            g = self.group_of.get(list_id)
            if g is not None:
                for (skey, kind), (scope, _) in uses.items():
                    group_scopes[g][(skey, kind)] = (scope, skey, kind)
        self.group_scopes = [list(gs.values()) for gs in group_scopes]

    def group_for(self, list_ids: tuple[str, ...]) -> _Group:
        """Automata of these lists alone, for a search of one text that needs no other list (built
        once per tuple of ids)."""
        group = self._groups_for.get(list_ids)
        if group is None:
            group = self._groups_for[list_ids] = _Group([self.lists[i] for i in dict.fromkeys(list_ids)])
        return group

    def match_views(self, views: dict[str, str]) -> dict[str, list[Match]]:
        """Matches per list id for a text given as its views by channel (see ``CHANNELS``)."""
        found: dict[str, list[Match]] = {}
        for group in self.groups:
            found.update(group.match(views.__getitem__))
        return found

    def match_text(self, text: str) -> dict[str, list[Match]]:
        return self.match_views(dict(zip(CHANNELS, (T.clean(text), *T.views(text)))))

    def hotwords(self) -> list[str]:
        """Phrases of the lists marked ``hotword: true`` (to bias the ASR), in list order."""
        seen: dict[str, None] = {}
        for pl in self.lists.values():
            if pl.hotword:
                seen.update(dict.fromkeys(pl.phrases))
        return list(seen)


def _add(entries: dict[str, dict[str, _Entry]], pl: PhraseList, phrase: str, is_exc: bool) -> None:
    chars, pinyin, fuzzy = T.views(phrase)
    keys = {"chars": chars}
    if pl.tolerance != "exact" and len(pinyin) >= 2 and not _DIGIT.search(chars):
        # a character match of a phrase whose characters view holds no digit (plain hanzi, or a
        # lone 一 that stays as written) is also a match of its syllables: one channel is enough
        del keys["chars"]
    # A single syllable matches far too much by sound alone: only its exact character counts.
    if len(pinyin) >= 2 and pl.tolerance == "pinyin":
        keys["pinyin"] = pinyin
    if len(pinyin) >= 2 and pl.tolerance == "fuzzy":
        keys["fuzzy"] = fuzzy
    for channel, key in keys.items():
        if not key:
            continue
        entry = entries[channel].setdefault(key, _Entry(len(key)))
        owner = (pl.id, is_exc, phrase)
        if owner not in entry.owners:
            entry.owners.append(owner)


def _build(entries: dict[str, _Entry]) -> ahocorasick.Automaton | _FewKeys | None:
    if not entries:
        return None
    values = {}
    for key, entry in entries.items():
        owners = tuple(entry.owners)
        # (length, owners, (list, phrase) when the key is one list's phrase and no exception)
        single = (owners[0][0], owners[0][2]) if len(owners) == 1 and not owners[0][1] else None
        values[key] = (entry.length, owners, single)
    if len(values) <= _FewKeys.MAX:
        return _FewKeys(values)
    automaton = ahocorasick.Automaton()
    for key, value in values.items():
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


class _FewKeys:
    """``Automaton.iter`` for a handful of keys, found with ``str.find``, which runs over the text at
    C speed where the automaton takes a step per character: the same hits in the same order (by end,
    the longer key first at an equal end; overlapping ones included)."""

    MAX = 8

    def __init__(self, values: dict[str, tuple]):
        self.keys = [(key, len(key), value) for key, value in values.items()]

    def iter(self, text: str) -> list[tuple[int, tuple]]:
        hits = []
        for key, n, value in self.keys:
            pos = text.find(key)
            while pos >= 0:
                hits.append((pos + n - 1, -n, value))  # (never a tie on both: keys are distinct)
                pos = text.find(key, pos + 1)
        if len(hits) > 1:
            hits.sort()
        return [(end, value) for end, _, value in hits]


_DIGIT = re.compile(r"[0-9]")
_NUMERAL = re.compile(f"[{T.NUMERAL_CHARS}]")
# what makes a regular expression depend on the text around a match
_CONTEXT = re.compile(r"[\^$]|\\[bBAZ]|\(\?[=!<>]|[*+?}]\+")


def _covered(list_id: str, m: Match, exceptions: list[tuple[str, Match]]) -> bool:
    return any(
        lid == list_id and e.channel == m.channel and e.start <= m.start and m.end <= e.end for lid, e in exceptions
    )


def _file(out: dict[int, tuple[dict, list]], k: int, list_id: str, ms: list[Match]) -> None:
    """Adds pattern matches of a list to text k's ``(found, exceptions)``."""
    if not ms:
        return
    entry = out.get(k)
    if entry is None:
        entry = out[k] = ({}, [])
    found = entry[0]
    if list_id in found:
        found[list_id].extend(ms)
    else:
        found[list_id] = ms


def _regex_matches(regex: re.Pattern, text: str) -> list[Match]:
    """A list pattern's matches in one text (positions in its characters view)."""
    return [_new_tuple(Match, (rm.group(), "chars", *rm.span())) for rm in regex.finditer(text)]


def _texts_holding(joined: str, offs: list[int], chars: frozenset[str]) -> set[int]:
    """Which texts of ``joined`` (starting at ``offs``) hold one of the characters (str.find runs
    at C speed; a text found is skipped past)."""
    found: set[int] = set()
    last = len(offs) - 1
    for ch in chars:
        pos = joined.find(ch)
        while pos >= 0:
            k = bisect_right(offs, pos) - 1
            found.add(k)
            if k == last:
                break
            pos = joined.find(ch, offs[k + 1])
    return found


def _offsets(texts: list[str]) -> tuple[list[int], int]:
    """Start of each text in ``T.SEP.join(texts)``, and the joined length plus one."""
    offs, pos = [], 0
    for t in texts:
        offs.append(pos)
        pos += len(t) + 1
    return offs, pos


def _collect(owners, channel: str, start: int, end: int, found: dict, exceptions: list) -> None:
    """File one automaton hit [start, end) under each list (or list exception) that owns the key."""
    for list_id, is_exc, phrase in owners:
        m = _new_tuple(Match, (phrase, channel, start, end))
        if is_exc:
            exceptions.append((list_id, m))
        elif list_id in found:
            found[list_id].append(m)
        else:
            found[list_id] = [m]
