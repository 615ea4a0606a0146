"""Characters a regular expression cannot match without, so that lines lacking all of them are
skipped before the (much slower) regex search: every match of ``\\d+(分钟|秒)`` holds 分 or 秒."""

from __future__ import annotations

import re
from re import _constants as C  # noqa: PLC2701 - the parser's node names (stable since 3.11)
from re import _parser as P  # noqa: PLC2701

_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)


def required_chars(pattern: str) -> frozenset[str] | None:
    """A set of characters at least one of which is in every match, or None when there is none to
    be sure of (case-insensitive patterns, a pattern that can match without any literal…)."""
    try:
        if re.compile(pattern).flags & re.IGNORECASE:
            return None
        return _sequence(list(P.parse(pattern)))
    except (re.error, RecursionError):
        return None


def starts_with_literal(pattern: str) -> bool:
    """True when every match starts with one given character (``由.{1,10}处理``): the regex engine
    then finds the candidates at C speed (a plain substring search), so searching a long text once
    beats searching the few lines that hold a required character one by one."""
    try:
        if re.compile(pattern).flags & re.IGNORECASE:
            return False
        items = list(P.parse(pattern))
        while items and items[0][0] is C.SUBPATTERN and not items[0][1][1] & re.IGNORECASE:
            items = list(items[0][1][3])
        return bool(items) and items[0][0] is C.LITERAL
    except (re.error, RecursionError):
        return False


def _sequence(items: list) -> frozenset[str] | None:
    """Every element of a sequence must match: the smallest set any one element requires."""
    best = None
    for op, av in items:
        found = _element(op, av)
        if found is not None and (best is None or len(found) < len(best)):
            best = found
    return best


def _element(op, av) -> frozenset[str] | None:
    if op is C.LITERAL:
        return frozenset(chr(av))
    if op is C.IN:  # a class of plain characters only ([分秒], not [^…], ranges or \d)
        return frozenset(chr(v) for _, v in av) if all(o is C.LITERAL for o, _ in av) else None
    if op is C.SUBPATTERN:
        _, add_flags, _, sub = av
        return None if add_flags & re.IGNORECASE else _sequence(list(sub))
    if op is C.ATOMIC_GROUP:
        return _sequence(list(av))
    if op is C.BRANCH:  # one alternative matches: the union of what each requires
        sets = [_sequence(list(alt)) for alt in av[1]]
        return None if any(s is None for s in sets) else frozenset().union(*sets)
    if op in _REPEATS and av[0] >= 1:
        return _sequence(list(av[2]))
    return None
