"""Asking the audio (``qa_engine.verify``) about a phrase the transcript does not show: the opening
operators' second opinion. Without a verifier (rule tests, text-only analysis) nothing is asked."""

from __future__ import annotations

from collections.abc import Callable

from qa_engine.rules.context import CallView
from qa_engine.types import AudioCheck, Evidence


def ask_audio(view: CallView, idx: list[int], part: str, expected: list[str],
              rivals: list[str] | Callable[[str], list[str]], *, at_start: bool = False,
              between: tuple = ((), ()), turn: int = 0) -> AudioCheck | None:
    """The audio's verdict on an expected phrase in the utterance ``idx[turn]`` (by default the
    first in scope; -1 for a closing phrase, said in the last)."""
    verifier = view.ctx.verifier
    if verifier is None or not idx or not expected:
        return None
    return verifier.check(view.utts[idx[turn]], part, expected, rivals, at_start=at_start, between=between)


def with_check(view: CallView, idx: list[int], check: AudioCheck | None, turn: int = 0) -> list[Evidence]:
    """The utterances as evidence, the one checked (``idx[turn]``) carrying the audio check and its scores."""
    evidence = view.evidence_of(idx)
    if check is None or not evidence:
        return evidence
    evidence[turn] = evidence[turn].model_copy(update={"audio_check": check})
    return evidence


def heard_note(check: AudioCheck) -> tuple[str, str]:
    """How a part verified on the audio is worded in the finding's message (zh, en)."""
    scores = f"{check.expected_score:.1f} 对 {check.rival_score:.1f}"
    zh = f"（音频核对：识别为「{check.heard or '无'}」，音频支持「{check.expected}」，{scores}）"
    en = (f" (checked on the audio: heard '{check.heard or 'nothing'}', the audio supports '{check.expected}', "
          f"{check.expected_score:.1f} vs {check.rival_score:.1f})")
    return zh, en
