"""Where the decoder's input comes from: a channel's speech laid out in context windows.

Whisper hears speech in context: a channel's speech (VAD spans) is grouped into windows of up to
``max_window_s`` that span the pauses inside and between the party's turns, as whisperX merges VAD
chunks. A pause is kept as real audio up to ``max_pause_s`` (the pause itself tells Whisper where
a phrase ends); the rest of a longer silence, where the other party was talking or on hold, is left
out, so the encoder reads mostly speech. A window that would grow past ``max_window_s`` is cut at
its longest silence, so a turn that fits in a window is never cut. Cut into short clips mid-turn,
Whisper base lost the first word after a pause.

``Layout.piece_at`` and ``Piece.recording_time`` map a time of the decoder's input back to the recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa_engine.types import Span


@dataclass(frozen=True)
class Piece:
    """A stretch of the recording (``start``-``end``) placed at ``at`` seconds of the decoder's input."""

    start: float
    end: float
    at: float

    @property
    def until(self) -> float:
        return self.at + self.end - self.start

    def recording_time(self, t: float) -> float:
        """Decoder time ``t`` on the recording, kept inside this piece."""
        return self.start + min(max(t, self.at), self.until) - self.at


@dataclass(frozen=True)
class Layout:
    audio: np.ndarray  # the decoder's input: the pieces end to end
    pieces: list[Piece]
    windows: list[Span]  # on the decoder's timeline; each is a run of whole pieces

    def piece_at(self, t: float) -> Piece:
        """The piece that holds decoder time ``t`` (past the ends: the nearest one)."""
        return min(self.pieces, key=lambda p: 0.0 if p.at <= t <= p.until else min(abs(t - p.at), abs(t - p.until)))


def kept_stretches(speech: Sequence[Span], duration: float, max_pause_s: float) -> list[Span]:
    """Speech spans widened into the silence around them by up to half of ``max_pause_s`` each
    side (so a pause keeps at most ``max_pause_s`` of its audio), touching ones merged."""
    spans = sorted((s for s in speech if s.end > s.start), key=lambda s: s.start)
    half = max_pause_s / 2
    out: list[Span] = []
    for i, s in enumerate(spans):
        gap_before = s.start - spans[i - 1].end if i else np.inf
        gap_after = spans[i + 1].start - s.end if i + 1 < len(spans) else np.inf
        a = max(0.0, s.start - min(half, max(gap_before, 0.0) / 2))
        b = min(duration, s.end + min(half, max(gap_after, 0.0) / 2))
        if out and a <= out[-1].end + 1e-9:
            out[-1] = Span(start=out[-1].start, end=max(out[-1].end, b))
        else:
            out.append(Span(start=a, end=b))
    return out


def group_windows(stretches: Sequence[Span], max_window_s: float) -> list[list[Span]]:
    """Consecutive stretches grouped so each group's audio lasts at most ``max_window_s``, cut at
    the longest silence between stretches; a stretch longer than a window is cut in equal pieces."""
    if not stretches:
        return []
    if sum(s.end - s.start for s in stretches) <= max_window_s:
        return [list(stretches)]
    if len(stretches) == 1:
        a, b = stretches[0].start, stretches[0].end
        n = int(np.ceil((b - a) / max_window_s))
        return [[Span(start=a + i * (b - a) / n, end=a + (i + 1) * (b - a) / n)] for i in range(n)]
    cut = max(range(1, len(stretches)), key=lambda i: stretches[i].start - stretches[i - 1].end)
    return group_windows(stretches[:cut], max_window_s) + group_windows(stretches[cut:], max_window_s)


def lay_out(audio: np.ndarray, speech: Sequence[Span], *, sample_rate: int, max_pause_s: float,
            max_window_s: float) -> Layout:
    """The decoder's input for one channel (see the module doc)."""
    stretches = kept_stretches(speech, audio.size / sample_rate, max_pause_s)
    parts: list[np.ndarray] = []
    pieces: list[Piece] = []
    windows: list[Span] = []
    at = 0.0
    for group in group_windows(stretches, max_window_s):
        first = at
        for s in group:
            x = audio[int(round(s.start * sample_rate)):int(round(s.end * sample_rate))]
            pieces.append(Piece(start=s.start, end=s.start + x.size / sample_rate, at=at))
            parts.append(x)
            at += x.size / sample_rate
        windows.append(Span(start=first, end=at))
    packed = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return Layout(audio=packed, pieces=pieces, windows=windows)
