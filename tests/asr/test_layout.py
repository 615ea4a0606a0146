"""The decoder's input: speech in context windows, long silences left out, times mapped back."""

import numpy as np

from qa_engine.asr.layout import group_windows, kept_stretches, lay_out
from qa_engine.types import Span

SR = 16000


def spans(*pairs):
    return [Span(start=a, end=b) for a, b in pairs]


def test_short_pauses_are_kept_whole_and_long_silences_cut_to_the_pause_limit():
    # 0.5 s pause inside a turn: kept; 9 s where the other party spoke: 0.8 s of it kept.
    out = kept_stretches(spans((1.0, 2.0), (2.5, 4.0), (13.0, 15.0)), 20.0, max_pause_s=0.8)
    assert [(round(s.start, 2), round(s.end, 2)) for s in out] == [(0.6, 4.4), (12.6, 15.4)]


def test_windows_group_whole_stretches_and_cut_at_the_longest_silence():
    stretches = spans((0.0, 10.0), (10.5, 20.0), (40.0, 48.0), (48.5, 55.0))
    # 34 s of audio: too long for one 28 s window; the cut is at the 20 s silence (20-40 s).
    assert group_windows(stretches, 28.0) == [stretches[:2], stretches[2:]]
    assert group_windows(spans((0.0, 60.0)), 28.0) == [[Span(start=0.0, end=20.0)], [Span(start=20.0, end=40.0)],
                                                       [Span(start=40.0, end=60.0)]]


def test_the_layout_plays_the_kept_audio_end_to_end_and_maps_times_back():
    audio = np.zeros(30 * SR, np.float32)
    audio[2 * SR:3 * SR] = 0.1
    audio[20 * SR:22 * SR] = 0.2
    layout = lay_out(audio, spans((2.0, 3.0), (20.0, 22.0)), sample_rate=SR, max_pause_s=0.8, max_window_s=28.0)
    assert [(round(p.start, 2), round(p.end, 2), round(p.at, 2)) for p in layout.pieces] == [(1.6, 3.4, 0.0), (19.6, 22.4, 1.8)]
    assert [(round(w.start, 2), round(w.end, 2)) for w in layout.windows] == [(0.0, 4.6)]
    assert layout.audio.size == int(round(4.6 * SR))
    assert np.allclose(layout.audio[int(0.5 * SR):int(1.3 * SR)], 0.1)  # 2.0-2.8 s of the recording
    # A time in the second piece maps into the recording at 20 s; a word whose middle is in the
    # first piece stays inside it even when its end runs past the boundary.
    second = layout.piece_at(2.2)
    assert round(second.recording_time(2.2), 2) == 20.0
    first = layout.piece_at(1.7)
    assert round(first.recording_time(1.9), 2) == 3.4
