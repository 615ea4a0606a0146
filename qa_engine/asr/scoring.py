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


def error_counts(reference: str, hypothesis: str) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of one minimal alignment of two normalised texts;
    their sum is ``edit_distance``. Among equal-cost alignments, substitutions are preferred."""
    prev = [(j, 0, 0, j) for j in range(len(hypothesis) + 1)]  # (cost, subs, dels, ins)
    for i, cr in enumerate(reference, 1):
        cur = [(i, 0, i, 0)]
        for j, ch in enumerate(hypothesis, 1):
            diag, up, left = prev[j - 1], prev[j], cur[j - 1]
            same = cr == ch
            options = (
                (diag[0] + (not same), diag[1] + (not same), diag[2], diag[3]),
                (up[0] + 1, up[1], up[2] + 1, up[3]),
                (left[0] + 1, left[1], left[2], left[3] + 1),
            )
            cur.append(min(options, key=lambda o: o[0]))
        prev = cur
    _cost, subs, dels, ins = prev[-1]
    return subs, dels, ins


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate of ``hypothesis`` against ``reference`` after normalisation."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    return edit_distance(ref, hyp) / max(len(ref), 1)
