"""Evidence that points at the sentence, not the whole turn.

Rules judge speaker turns (docs/TRANSCRIPT.md), so their evidence is a turn, and a turn can be a
long stretch of speech. When a finding quotes the phrases it found (「…」 in its message), each
long turn of its evidence is narrowed to the sentences holding those phrases, with their times
from the turn's words, so the inspector's player jumps to the moment that matters.
"""

from __future__ import annotations

import re

from qa_engine.turns import squash
from qa_engine.types import Evidence, Finding, Utterance, Word

# Turns shorter than this are shown whole: the sentence is already at hand.
LONG_TURN_S = 8.0
_QUOTED = re.compile(r"「([^」]+)」")
_SENTENCE_END = "。！？!?；;"


def narrow_evidence(findings: list[Finding], transcript: list[Utterance]) -> list[Finding]:
    """``findings`` with each long-turn evidence item narrowed to the sentences quoting its phrases."""
    turns = {(u.speaker, u.start, u.end): u for u in transcript if u.words and u.end - u.start > LONG_TURN_S}
    if not turns:
        return findings
    out = []
    for f in findings:
        phrases = [squash(p) for p in _QUOTED.findall(f.message) if squash(p)]
        if not phrases or not f.evidence:
            out.append(f)
            continue
        evidence = [e for item in f.evidence for e in _narrowed(item, turns, phrases)]
        out.append(f if evidence == f.evidence else f.model_copy(update={"evidence": evidence}))
    return out


def _narrowed(item: Evidence, turns: dict, phrases: list[str]) -> list[Evidence]:
    turn = turns.get((item.speaker, item.start, item.end))
    if turn is None:
        return [item]
    hits = [s for s in _sentences(turn.words) if any(p in squash("".join(w.text for w in s)) for p in phrases)]
    if not hits:
        return [item]
    return [Evidence(speaker=item.speaker, start=s[0].start, end=s[-1].end, text="".join(w.text for w in s).strip())
            for s in hits]


def _sentences(words: list[Word]) -> list[list[Word]]:
    out: list[list[Word]] = [[]]
    for w in words:
        out[-1].append(w)
        if w.text.strip()[-1:] in _SENTENCE_END:
            out.append([])
    return [s for s in out if s]

