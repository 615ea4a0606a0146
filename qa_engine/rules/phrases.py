"""Named phrase lists, compiled once per rule set into one Aho–Corasick automaton per view.

One automaton runs over the normalised characters, one over pinyin syllables and one over folded
("fuzzy") syllables (see ``text``). Each key carries the lists it belongs to, so one pass per view
over a text answers every list of the rule set at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

import ahocorasick

from qa_engine.rules import text as T
from qa_engine.rules.text import TextViews

Tolerance = Literal["exact", "pinyin", "fuzzy"]
# the views the automata run over, in the order their matches are reported
CHANNELS = ("chars", "pinyin", "fuzzy")
_DIGIT = re.compile(r"[0-9]")


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


class Match(NamedTuple):
    """One occurrence of a list phrase (positions are in the view of ``channel``)."""

    phrase: str
    channel: str
    start: int
    end: int


class Owner(NamedTuple):
    """A list that an automaton key stands for: its phrase, or one of its exceptions."""

    list_id: str
    phrase: str
    is_exception: bool


def phrase_keys(phrase: str, tolerance: Tolerance) -> dict[str, str]:
    """The keys that find ``phrase`` in each view (channel → key).

    Exact phrases match their characters. A phrase of two or more syllables is matched by sound
    (pinyin or fuzzy), which also finds its characters, unless its characters view holds a digit
    (108号 must match 108, not any homophone). A single syllable matches far too much by sound
    alone: only its exact characters count."""
    chars, pinyin, fuzzy = T.views(phrase)
    by_sound = tolerance != "exact" and len(pinyin) >= 2
    keys = {} if by_sound and not _DIGIT.search(chars) else {"chars": chars}
    if by_sound:
        keys[tolerance] = pinyin if tolerance == "pinyin" else fuzzy
    return {channel: key for channel, key in keys.items() if key}


class PhraseIndex:
    """All lists of a rule set, ready to match any text in one pass per view."""

    def __init__(self, lists: dict[str, PhraseList]):
        self.lists = lists
        owners: dict[str, dict[str, list[Owner]]] = {c: {} for c in CHANNELS}
        for pl in lists.values():
            for phrases, is_exc in ((pl.phrases, False), (pl.exceptions, True)):
                for phrase in phrases:
                    for channel, key in phrase_keys(phrase, pl.tolerance).items():
                        found = owners[channel].setdefault(key, [])
                        if Owner(pl.id, phrase, is_exc) not in found:
                            found.append(Owner(pl.id, phrase, is_exc))
        self.automata = {c: _automaton(keys) for c, keys in owners.items() if keys}
        self.patterns = {pl.id: re.compile("|".join(f"(?:{p})" for p in pl.patterns))
                         for pl in lists.values() if pl.patterns}

    def match(self, views: TextViews) -> dict[str, list[Match]]:
        """Matches per list id in one text: the phrases (in channel order, each channel by end
        position), then the list's patterns over the characters view; a match inside an exception
        of its own list does not count."""
        found: dict[str, list[Match]] = {}
        exceptions: list[tuple[str, Match]] = []
        for channel, automaton in self.automata.items():
            text = getattr(views, channel)
            for end, (length, owners) in automaton.iter(text) if text else ():
                for owner in owners:
                    m = Match(owner.phrase, channel, end + 1 - length, end + 1)
                    if owner.is_exception:
                        exceptions.append((owner.list_id, m))
                    else:
                        found.setdefault(owner.list_id, []).append(m)
        for list_id, regex in self.patterns.items():
            for rm in regex.finditer(views.chars):
                found.setdefault(list_id, []).append(Match(rm.group(), "chars", *rm.span()))
        return _without_exceptions(found, exceptions)

    def match_text(self, text: str) -> dict[str, list[Match]]:
        return self.match(T.text_views(text))

    def hotwords(self) -> list[str]:
        """Phrases of the lists marked ``hotword: true`` (to bias the ASR), in list order."""
        return list(dict.fromkeys(p for pl in self.lists.values() if pl.hotword for p in pl.phrases))


def _automaton(keys: dict[str, list[Owner]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, owners in keys.items():
        automaton.add_word(key, (len(key), tuple(owners)))
    automaton.make_automaton()
    return automaton


def _without_exceptions(found: dict[str, list[Match]], exceptions: list[tuple[str, Match]]) -> dict[str, list[Match]]:
    def covered(list_id: str, m: Match) -> bool:
        return any(lid == list_id and e.channel == m.channel and e.start <= m.start and m.end <= e.end
                   for lid, e in exceptions)

    kept = {list_id: [m for m in ms if not covered(list_id, m)] for list_id, ms in found.items()}
    return {list_id: ms for list_id, ms in kept.items() if ms}
