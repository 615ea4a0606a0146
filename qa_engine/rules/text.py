"""Text normalisation that makes phrase matching tolerant of ASR output.

Three views of one text, all computed with ``str.translate`` over per-character tables that are
filled lazily (a character's entry is computed once per process):

* ``chars``  – Traditional→Simplified (OpenCC t2s), lower case, punctuation and whitespace removed,
  Chinese numerals rewritten as Arabic (一零八 / 幺零八 / 一百零八 / 108 → 108, 两 → 2).
* ``pinyin`` – one private-use code point per toneless pinyin syllable (pypinyin ``lazy_pinyin``),
  so homophones written with different characters (夜郎 / 夜狼 / 叶朗) become the same string and an
  Aho–Corasick automaton can run over syllables exactly as it runs over characters. Arabic digits
  become the syllable of their Chinese reading, so 108 and 一零八 read the same.
* ``fuzzy``  – the pinyin view with the confusions common in southern accents and ASR folded
  (zh/z, ch/c, sh/s, n/l, -ng/-n, 您/你).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Hashable
from functools import lru_cache

import numpy as np

_PUA_START = 0xE000
_DIGIT_READINGS = {"0": "ling", "1": "yi", "2": "er", "3": "san", "4": "si", "5": "wu", "6": "liu", "7": "qi", "8": "ba", "9": "jiu"}

# Chinese numeral characters and their values (幺 is how 1 is read out in phone and work numbers).
NUMERAL_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
NUMERAL_CHARS = _NUMERAL_CHARS = "".join(NUMERAL_DIGITS) + "".join(NUMERAL_UNITS) + "0123456789"
# A single numeral is a number only before a measure word (一分钟, 两个, 十号); longer runs always are.
# (written with one leading class, which the regex engine scans for quickly; same matches as
# ``[N]{2,}|[N](?=[号分秒位个点倍])``)
_NUMERAL_RUN = re.compile(rf"[{_NUMERAL_CHARS}](?:[{_NUMERAL_CHARS}]+|(?=[号分秒位个点倍]))")

# Syllables whose homophones stand in for a digit inside a spoken number (我是要零八号 → 108).
# 是/十 (shi) is left out on purpose: 我是 precedes nearly every work number.
DIGIT_SYLLABLES = {"ling": 0, "yao": 1, "yi": 1, "er": 2, "liang": 2, "san": 3, "si": 4, "wu": 5, "liu": 6, "qi": 7, "ba": 8, "jiu": 9}


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


class _CharTable(dict):
    """translate() table: t2s, lower case, punctuation/whitespace deleted (filled lazily)."""

    def __missing__(self, cp: int):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat[0] in "PZCS":
            value = None
        else:
            norm = unicodedata.normalize("NFKC", ch).lower()
            value = _t2s(norm) if len(norm) == 1 else norm
        self[cp] = value
        return value


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def _t2s(ch: str) -> str:
    if ord(ch) < 0x2E80:
        return ch
    return _opencc().convert(ch)


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


@lru_cache(maxsize=None)
def syllable_of(ch: str) -> str | None:
    """Toneless pinyin of one character (None when it is not a Chinese character or digit)."""
    if ch in _DIGIT_READINGS:
        return _DIGIT_READINGS[ch]
    if not ("\u3400" <= ch <= "\u9fff" or ch == "〇"):
        return None
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch)[0]


class _PinyinTable(dict):
    def __missing__(self, cp: int):
        syllable = syllable_of(chr(cp))
        value = SYLLABLES(syllable) if syllable else chr(cp)
        self[cp] = value
        return value


_FUZZY_SPECIAL = {"nin": "ni"}


@lru_cache(maxsize=None)
def fold_syllable(s: str) -> str:
    """Merge the syllable distinctions ASR and regional accents blur."""
    s = _FUZZY_SPECIAL.get(s, s)
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if s.startswith(a):
            s = b + s[len(a):]
            break
    if s.startswith("n") and s != "n" and not s.startswith("ng"):
        s = "l" + s[1:]
    if s.endswith("ng") and len(s) > 2 and s[-3] in "aeio":
        s = s[:-1]
    return s


class _FuzzyTable(dict):
    def __missing__(self, cp: int):
        ch = chr(cp)
        name = SYLLABLES.name.get(ch)
        value = SYLLABLES(fold_syllable(name)) if name else ch
        self[cp] = value
        return value


class _TextPinyinTable(dict):
    """``pinyin_of_clean(clean(ch))`` per raw character: the pinyin view in one pass over raw text."""

    def __missing__(self, cp: int):
        cleaned = CHAR_TABLE[cp]
        value = None if cleaned is None else cleaned.translate(PINYIN_TABLE)
        self[cp] = value
        return value


# Joins utterances for one batched pass; survives every view and never occurs in a phrase.
SEP = "\x1e"
CHAR_TABLE = _CharTable({ord(SEP): SEP})
PINYIN_TABLE = _PinyinTable()
FUZZY_TABLE = _FuzzyTable()
TEXT_PINYIN_TABLE = _TextPinyinTable()


# the codec functions themselves: ``str.encode``/``bytes.decode`` look the codec up by name each time
_utf16_encode, _utf32_decode = codecs.utf_16_le_encode, codecs.utf_32_le_decode
# markers in the table mirror: lone low surrogates, which utf-32 decoding rejects, sending the text
# to the slow path (learn unknown characters; a character that expands to several falls back to
# translate). A text holding surrogates itself never reaches the mirror (utf-16 encoding fails).
_UNKNOWN, _MULTI = 0xDC00, 0xDC01
_DELETED = "\uffff"  # a noncharacter that the deleting tables delete themselves
_LONG_TEXT = 32  # characters; shorter texts are translated faster by str.translate
_UINT16 = np.dtype(np.uint16)  # (frombuffer parses a ``dtype=`` keyword on every call: half its time)


class _FastTranslate:
    """``text.translate(table)`` for a lazily filled table, mirrored in an array over the Basic
    Multilingual Plane so that a long text (a speaker's joined utterances) is mapped in a few
    vectorised steps instead of one dictionary lookup per character. The text goes in as UTF-16 and
    comes out as UTF-32, whose decoder is the faster of the two (and reads the array's buffer
    itself). Same result as translate(): a character that maps outside the BMP or to several
    characters, or a text outside the BMP, falls back to it."""

    def __init__(self, table: dict):
        self.table = table
        self.lut = np.full(0x10000, _UNKNOWN, dtype=np.uint32)
        # deleted characters become U+FFFF, removed after decoding: only where U+FFFF is deleted too
        self.deletes = table[0xFFFF] is None

    def _learn(self, cps) -> None:
        for cp in cps:
            v = self.table[cp]  # filled by the table's __missing__ like translate() does
            if not v:
                self.lut[cp] = 0xFFFF if self.deletes else _MULTI
            elif len(v) == 1 and v != _DELETED and ord(v) < 0x10000 and not 0xD800 <= ord(v) < 0xE000:
                self.lut[cp] = ord(v)
            else:
                self.lut[cp] = _MULTI

    def __call__(self, text: str) -> str:
        if len(text) < _LONG_TEXT:
            return text.translate(self.table)
        try:
            data = _utf16_encode(text)[0]
        except UnicodeEncodeError:  # lone surrogates
            return text.translate(self.table)
        if len(data) != 2 * len(text):  # characters outside the BMP
            return text.translate(self.table)
        cps = np.frombuffer(data, _UINT16)
        try:
            out = _utf32_decode(self.lut.take(cps))[0]
        except UnicodeDecodeError:  # a marker: a character to learn, or one translate() must map
            mapped = self.lut.take(cps)
            unknown = np.unique(cps[mapped == _UNKNOWN]).tolist()
            if not unknown:
                return text.translate(self.table)
            self._learn(unknown)
            try:
                out = _utf32_decode(self.lut.take(cps))[0]
            except UnicodeDecodeError:
                return text.translate(self.table)
        return out.replace(_DELETED, "") if self.deletes else out


_clean = _FastTranslate(CHAR_TABLE)
_pinyin_of_clean = _FastTranslate(PINYIN_TABLE)
_pinyin_of_text = _FastTranslate(TEXT_PINYIN_TABLE)
_fuzzy_of_pinyin = _FastTranslate(FUZZY_TABLE)


def clean(text: str) -> str:
    """t2s, lower case, no punctuation or whitespace (numerals untouched)."""
    return _clean(text)


class BoundedMemo(dict):
    """``fn(key)`` computed once per key: a known key is one C-level dict read (``memo[key]``, or
    ``map(memo.__getitem__, keys)``). At most ``limit`` keys are kept, for the keys a stream of calls
    brings (numeral runs, work numbers, score percentages, found phrases) are unbounded in number."""

    def __init__(self, fn: Callable[[Hashable], object], limit: int = 100_000):
        super().__init__()
        self.fn, self.limit = fn, limit

    def __missing__(self, key: Hashable):
        value = self.fn(key)
        if len(self) < self.limit:
            self[key] = value
        return value


_NUMERAL_TEXTS = BoundedMemo(_numeral_text)  # a numeral run → its Arabic text
# the runs as split points: the converted runs are looked up by a C-level map, where ``sub`` would
# call back into Python for every run
_NUMERAL_SPLIT = re.compile(f"({_NUMERAL_RUN.pattern})")


def numerals_to_arabic(text: str) -> str:
    parts = _NUMERAL_SPLIT.split(text)  # text, run, text, run, …, text
    if len(parts) == 1:
        return text
    parts[1::2] = map(_NUMERAL_TEXTS.__getitem__, parts[1::2])
    return "".join(parts)


def chars_view(text: str) -> str:
    return numerals_to_arabic(clean(text))


def pinyin_of_clean(cleaned: str) -> str:
    return _pinyin_of_clean(cleaned)


def pinyin_of_text(text: str) -> str:
    """``pinyin_of_clean(clean(text))`` in one pass (translation is character by character)."""
    return _pinyin_of_text(text)


def fuzzy_of_pinyin(pinyin: str) -> str:
    return _fuzzy_of_pinyin(pinyin)


def views(text: str) -> tuple[str, str, str]:
    """(chars, pinyin, fuzzy) views of a text."""
    cleaned = clean(text)
    pinyin = pinyin_of_clean(cleaned)
    return numerals_to_arabic(cleaned), pinyin, fuzzy_of_pinyin(pinyin)


def readable_pinyin(coded: str) -> str:
    """The pinyin view as text (for messages and debugging)."""
    return " ".join(SYLLABLES.name.get(ch, ch) for ch in coded)
