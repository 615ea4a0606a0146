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
from functools import lru_cache

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


@lru_cache(maxsize=4096)  # agents say the same few work numbers all day
def _value(run: str) -> str | None:
    digits = "".join(_digit(ch) for ch in run)
    value = T.parse_numeral(digits)
    if value is None:
        return None
    if any(ch in T.NUMERAL_UNITS for ch in digits):
        return str(value)  # read as a number: 一百零八 → 108
    return "".join(str(T.NUMERAL_DIGITS.get(ch, ch)) for ch in digits)  # digit by digit, keeps 027



def char_classes(text: str) -> str:
    """The class view of ``text``, one character per character (``L`` literal numeral, ``h`` digit
    homophone, ``.`` other): PII redaction (qa_engine/pii.py) finds spoken numbers with it."""
    return text.translate(_CLASSES)


def run_digits(run: str) -> str | None:
    """A run of numerals and homophones as its number: 幺三八 → 138, 一千二百 → 1200, 零八 → 08."""
    return _value(run)


def numbers_in(clean: str, fuzzy: str, prefixes: Sequence[str], suffixes: Sequence[str]) -> list[str]:
    """Numbers in a cleaned text (``fuzzy``: its fuzzy view; prefixes/suffixes as ``syllable_codes``):
    a run of two or more numerals or digit homophones right after a prefix (one alone is a word:
    我是一名客服, 工号一下), or a run holding a literal numeral right before a suffix (a homophone
    run before 号 is too often an ordinary word)."""
    prefixes, suffixes = tuple(prefixes), tuple(suffixes)
    classes = clean.translate(_CLASSES)
    if "L" not in classes and "h" not in classes:
        return []
    out: list[str] = []
    for m in _RUN.finditer(classes):
        i, j = m.span()
        after_prefix = j - i >= 2 and fuzzy.endswith(prefixes, 0, i)  # (a tuple: any of them)
        if after_prefix or ("L" in m.group() and fuzzy.startswith(suffixes, j)):
            value = _value(clean[i:j])
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


_DIGITS_ZH = "零一二三四五六七八九"


def _as_number(value: int) -> str:
    """0 < value < 1000 read as a number: 247 → 二百四十七, 108 → 一百零八, 15 → 十五."""
    hundreds, tens, ones = value // 100, value // 10 % 10, value % 10
    out = f"{_DIGITS_ZH[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS_ZH[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (_DIGITS_ZH[ones] if ones else "")


def spoken_forms(number: str) -> list[str]:
    """The ways an agent says a work number: digit by digit (二四七, with 幺 for 1 and 两 for a
    leading 2), as a number (二百四十七; not with a leading zero), and as the ASR writes it (247).
    ``number`` is made of ASCII digits."""
    forms = [_written_like(number, like) for like in ("", "幺", "两")]
    if not number.startswith("0") and 0 < int(number) < 1000:
        forms.append(_as_number(int(number)))
    forms.append(number)
    return list(dict.fromkeys(forms))


def near_numbers(number: str, like: str = "") -> list[str]:
    """Numbers one digit away from ``number``, written as ``like`` (one of its spoken_forms) is:
    digit by digit (二四一 … for 二四七; with 幺 or 两 when ``like`` has them), as a number
    (二百四十一) or in Arabic digits (241)."""
    out = []
    for k in range(len(number)):
        for d in "0123456789":
            if d != number[k]:
                out.append(_written_like(number[:k] + d + number[k + 1:], like))
    return list(dict.fromkeys(out))


def _written_like(number: str, like: str) -> str:
    """``number`` written the way ``like`` is: Arabic, as a number (百/十), or digit by digit with
    幺 and a leading 两 where ``like`` has them."""
    if like.isdigit():
        return number
    if ("百" in like or "十" in like) and not number.startswith("0"):
        return _as_number(int(number))
    digits = "".join(_DIGITS_ZH[int(d)] for d in number)
    if "幺" in like:
        digits = digits.replace("一", "幺")
    return "两" + digits[1:] if like.startswith("两") and digits.startswith("二") else digits
