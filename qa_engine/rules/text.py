"""Text normalisation that makes phrase matching tolerant of ASR output.

Four views of one text, each one ``str.translate`` (or one regex substitution) away from the
one before it:

* ``clean``  – Traditional→Simplified (OpenCC t2s), lower case, punctuation and whitespace removed.
* ``chars``  – ``clean`` with Chinese numerals rewritten as Arabic (一零八 / 幺零八 / 一百零八 → 108).
* ``pinyin`` – one private-use code point per toneless pinyin syllable (pypinyin ``lazy_pinyin``),
  so homophones written with different characters (夜郎 / 夜狼 / 叶朗) become the same string and an
  Aho–Corasick automaton runs over syllables exactly as it runs over characters. Arabic digits
  become the syllable of their Chinese reading, so 108 and 一零八 read the same.
* ``fuzzy``  – the pinyin view with the confusions common in southern accents and ASR folded
  (zh/z, ch/c, sh/s, n/l, -ng/-n, 您/你).

The translate tables fill themselves lazily (``__missing__``): a character is looked up in OpenCC
and pypinyin once per process.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import NamedTuple

_PUA_START = 0xE000
_DIGIT_READINGS = {"0": "ling", "1": "yi", "2": "er", "3": "san", "4": "si", "5": "wu", "6": "liu", "7": "qi",
                   "8": "ba", "9": "jiu"}

# Chinese numeral characters and their values (幺 is how 1 is read out in phone and work numbers).
NUMERAL_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                  "八": 8, "九": 9}
NUMERAL_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUMERAL_CHARS = "".join(NUMERAL_DIGITS) + "".join(NUMERAL_UNITS) + "0123456789"
# A single numeral is a number only before a measure word (一分钟, 两个, 十号); longer runs always are.
_NUMERAL_RUN = re.compile(rf"[{NUMERAL_CHARS}]{{2,}}|[{NUMERAL_CHARS}](?=[号分秒位个点倍])")

# Syllables whose homophones stand in for a digit inside a spoken number (我是要零八号 → 108).
# 是/十 (shi) is left out on purpose: 我是 precedes nearly every work number. Two near-homophones
# are in too, because Whisper base hears them for a digit on telephone audio again and again:
# ai for 二 (三爱六 for 三二六, 艾三一 for 二三一, 需要爱 for 七幺二) and fa for 八 (要发三 for 幺八三).
DIGIT_SYLLABLES = {"ling": 0, "yao": 1, "yi": 1, "er": 2, "ai": 2, "liang": 2, "san": 3, "si": 4, "wu": 5, "liu": 6,
                   "qi": 7, "ba": 8, "fa": 8, "jiu": 9}


def parse_numeral(run: str) -> int | None:
    """Value of a run of Chinese/Arabic numerals; digit-by-digit runs are read as a digit string."""
    if not any(ch in NUMERAL_UNITS for ch in run):
        digits = "".join(str(NUMERAL_DIGITS[ch]) if ch in NUMERAL_DIGITS else ch for ch in run)
        return int(digits) if digits.isdecimal() else None
    total, section, digit = 0, 0, None
    for ch in run:
        if ch in NUMERAL_DIGITS or ch.isdecimal():
            value = NUMERAL_DIGITS[ch] if ch in NUMERAL_DIGITS else int(ch)
            digit = value if digit is None or digit == 0 else digit * 10 + value
        elif ch == "万":
            section = (section + (digit or 0)) * 10000
            total, section, digit = total + section, 0, None
        else:
            section += (1 if digit is None else digit) * NUMERAL_UNITS[ch]
            digit = None
    return total + section + (digit or 0)


def _numeral_text(run: str) -> str:
    if not any(ch in NUMERAL_UNITS for ch in run):
        # keep leading zeros of digit strings (零八 is "08"; a work number may start with 0)
        return "".join(str(NUMERAL_DIGITS.get(ch, ch)) for ch in run)
    value = parse_numeral(run)
    return run if value is None else str(value)


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


class _CleanTable(dict):
    """translate() table: t2s, lower case, punctuation/whitespace/symbols deleted."""

    def __missing__(self, cp: int) -> str | None:
        ch = chr(cp)
        if unicodedata.category(ch)[0] in "PZCS":
            value = None
        else:
            norm = unicodedata.normalize("NFKC", ch).lower()
            value = _opencc().convert(norm) if len(norm) == 1 and ord(norm) >= 0x2E80 else norm
        self[cp] = value
        return value


class _SyllableCodes:
    """Maps toneless syllables to private-use code points (one character per syllable)."""

    def __init__(self) -> None:
        self.code: dict[str, str] = {}
        self.name: dict[str, str] = {}

    def __call__(self, syllable: str) -> str:
        code = self.code.get(syllable)
        if code is None:
            code = chr(_PUA_START + len(self.code))
            self.code[syllable] = code
            self.name[code] = syllable
        return code


SYLLABLES = _SyllableCodes()


@cache
def syllable_of(ch: str) -> str | None:
    """Toneless pinyin of one character (None when it is not a Chinese character or digit)."""
    if ch in _DIGIT_READINGS:
        return _DIGIT_READINGS[ch]
    if not ("\u3400" <= ch <= "\u9fff" or ch == "〇"):
        return None
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch)[0]


class _PinyinTable(dict):
    def __missing__(self, cp: int) -> str:
        syllable = syllable_of(chr(cp))
        value = SYLLABLES(syllable) if syllable else chr(cp)
        self[cp] = value
        return value


@cache
def fold_syllable(s: str) -> str:
    """Merge the syllable distinctions ASR and regional accents blur."""
    s = {"nin": "ni"}.get(s, s)
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(a):
            s = b + s[len(a):]
            break
    if s.startswith("n") and s != "n" and not s.startswith("ng"):
        s = "l" + s[1:]
    if s.endswith("ng") and len(s) > 2 and s[-3] in "aeio":
        s = s[:-1]
    return s


def sounds(text: str) -> list[str]:
    """Each character as its folded syllable (Arabic digits read as Chinese ones; other characters
    as themselves), so homophones compare equal: the fuzzy view as readable syllables."""
    return [fold_syllable(syllable_of(ch) or ch) for ch in text]


class _FuzzyTable(dict):
    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        name = SYLLABLES.name.get(ch)
        value = SYLLABLES(fold_syllable(name)) if name else ch
        self[cp] = value
        return value


_CLEAN, _PINYIN, _FUZZY = _CleanTable(), _PinyinTable(), _FuzzyTable()


def clean(text: str) -> str:
    """t2s, lower case, no punctuation or whitespace (numerals untouched)."""
    return text.translate(_CLEAN)


def numerals_to_arabic(text: str) -> str:
    return _NUMERAL_RUN.sub(lambda m: _numeral_text(m.group()), text)


def chars_view(text: str) -> str:
    return numerals_to_arabic(clean(text))


def pinyin_of_clean(cleaned: str) -> str:
    return cleaned.translate(_PINYIN)


def fuzzy_of_pinyin(pinyin: str) -> str:
    return pinyin.translate(_FUZZY)


class TextViews(NamedTuple):
    """The four views of one text (see the module's docstring)."""

    clean: str
    chars: str
    pinyin: str
    fuzzy: str


def text_views(text: str) -> TextViews:
    cleaned = clean(text)
    pinyin = pinyin_of_clean(cleaned)
    return TextViews(cleaned, numerals_to_arabic(cleaned), pinyin, fuzzy_of_pinyin(pinyin))


def views(text: str) -> tuple[str, str, str]:
    """(chars, pinyin, fuzzy) views of a text."""
    return text_views(text)[1:]

