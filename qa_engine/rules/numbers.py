"""Work numbers stated in an utterance (我是一零八号 / 工号幺零八 / 108号为您服务).

The search runs on two per-character views of the cleaned text so that the per-character work is
done by ``str.translate`` and one regular expression instead of a Python loop: a class view marking
literal numerals (``L``: 一, 百, 8) and digit homophones (``h``: 要 for 幺, 是 is left out), and the
fuzzy pinyin view, where a prefix (我是, 工号) or suffix (号) is a code string to compare at the
edges of each numeral run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_engine.rules import text as T

_RUN = re.compile(r"[Lh]+")


def _literal(ch: str) -> bool:
    """A numeral as written: 一, 百, 8."""
    return ch in T.NUMERAL_DIGITS or ch in T.NUMERAL_UNITS or ch.isdecimal()


class _ClassTable(dict):
    """translate() table: ``L`` literal numeral, ``h`` homophone of a digit, ``.`` anything else."""

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        if _literal(ch):
            value = "L"
        else:
            value = "h" if T.syllable_of(ch) in T.DIGIT_SYLLABLES else "."
        self[cp] = value
        return value


_CLASSES = _ClassTable()


def syllable_codes(folded: Sequence[str]) -> str:
    """A prefix/suffix given as folded syllables (``['wo', 'si']``) as a string of the fuzzy view."""
    return "".join(T.SYLLABLES(s) if s.isascii() and s.isalpha() else s for s in folded)


def _digit(ch: str) -> str:
    """A character of a numeral run as a numeral: literal ones stay, homophones become the digit."""
    return ch if _literal(ch) else str(T.DIGIT_SYLLABLES[T.syllable_of(ch)])


def _value(run: str) -> str | None:
    digits = "".join(_digit(ch) for ch in run)
    value = T.parse_numeral(digits)
    if value is None:
        return None
    if any(ch in T.NUMERAL_UNITS for ch in digits):
        return str(value)  # read as a number: 一百零八 → 108
    return "".join(str(T.NUMERAL_DIGITS.get(ch, ch)) for ch in digits)  # digit by digit, keeps 027


_VALUES = T.BoundedMemo(_value)  # a run → its number: agents say the same few work numbers all day


def char_classes(text: str) -> str:
    """The class view of ``text``, one character per character (``L`` literal numeral, ``h`` digit
    homophone, ``.`` other): PII redaction (qa_engine/pii.py) finds spoken numbers with it."""
    return text.translate(_CLASSES)


def run_digits(run: str) -> str | None:
    """A run of numerals and homophones as its number: 幺三八 → 138, 一千二百 → 1200, 零八 → 08."""
    return _VALUES[run]


def numbers_in(clean: str, fuzzy: str, prefixes: Sequence[str], suffixes: Sequence[str]) -> list[str]:
    """Numbers in a cleaned text (``fuzzy``: its fuzzy view; prefixes/suffixes as ``syllable_codes``):
    a run of numerals or digit homophones right after a prefix, or a run holding a literal numeral
    right before a suffix (a homophone run before 号 is too often an ordinary word)."""
    prefixes, suffixes = tuple(prefixes), tuple(suffixes)
    classes = clean.translate(_CLASSES)
    if "L" not in classes and "h" not in classes:
        return []
    out: list[str] = []
    for m in _RUN.finditer(classes):
        i, j = m.span()
        before = fuzzy.endswith(prefixes, 0, i)  # (a tuple: any of them)
        if before or ("L" in m.group() and fuzzy.startswith(suffixes, j)):
            value = _VALUES[clean[i:j]]
            if value is not None:
                out.append(value)
    return out


def stated_numbers(text: str, prefixes: list[list[str]], suffixes: list[list[str]], *,
                   cleaned: str | None = None) -> list[str]:
    """Work numbers stated in a text, prefixes and suffixes given as folded syllables. 一零八, 幺零八,
    一百零八, 108 and 要零八 all give 108. ``cleaned``: ``T.clean(text)`` when the caller has it."""
    clean = T.clean(text) if cleaned is None else cleaned
    fuzzy = T.fuzzy_of_pinyin(T.pinyin_of_clean(clean))
    return numbers_in(clean, fuzzy, [syllable_codes(p) for p in prefixes], [syllable_codes(s) for s in suffixes])


def same_number(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if a.isdecimal() and b.isdecimal():
        return int(a) == int(b)
    return T.chars_view(a) == T.chars_view(b)
