"""Character error rate as the ASR benchmark and the end-to-end tests measure it."""

from __future__ import annotations

import re

from qa_engine.asr.transcribe import to_simplified

_DIGITS = str.maketrans("0123456789幺", "零一二三四五六七八九一")
_KEEP = re.compile(r"[\u3400-\u9fffA-Za-z]")


def normalize(text: str) -> str:
    """Characters compared by CER: Simplified CJK (digits spelt as characters) and Latin letters."""
    text = to_simplified(text).translate(_DIGITS).lower()
    return "".join(_KEEP.findall(text))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (substitutions, insertions, deletions all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of ``hypothesis`` against ``reference`` after normalisation."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    return edit_distance(ref, hyp) / max(len(ref), 1)
