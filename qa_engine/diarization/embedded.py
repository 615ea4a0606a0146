"""Embedded two-speaker diarization that needs no extra weights (numpy, librosa, scikit-learn).

Steps: speech spans from the VAD, minus telephone tones and music (ringback, disconnect tone, hold
music: a two-way clustering otherwise separates "tone" from "speech" instead of two voices) → Bayesian-information-criterion change points inside long spans →
short overlapping windows → per-window voice features (MFCC means/stds, pitch statistics) →
standardise → two-way agglomerative clustering refined with a linear discriminant → label smoothing
(median filter, minimum turn length) → turns. ``refine_with_segments`` can then snap turns to the
transcript's sentences.

It is tuned for telephone calls: two parties, 300–3400 Hz, turns separated by short pauses. It
cannot label overlapping speech (each moment gets one speaker).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import librosa
import numpy as np
from scipy.ndimage import uniform_filter1d
from sklearn.cluster import AgglomerativeClustering
from sklearn.mixture import GaussianMixture

from qa_engine.diarization import ge2e
from qa_engine.diarization.runs import min_runs
from qa_engine.diarization.types import SENTENCE_PAUSE_S, Diarization, SegmentLike, Turn, sentences, speaker_overlap
from qa_engine.types import Span

SAMPLE_RATE = 16000
HOP = 160  # 10 ms frames
BACKEND = "embedded"


@dataclass(frozen=True)
class EmbeddedOptions:
    """Tuning of the embedded diarizer; the defaults suit 8 kHz telephone calls."""

    window_s: float = 1.5
    hop_s: float = 0.5
    min_window_s: float = 0.25
    n_mfcc: int = 20
    fmax_hz: float = 3800.0  # telephone audio has nothing above 3.4 kHz
    pitch_weight: float = 2.0  # pitch separates speakers well but is only two of ~40 features
    bic_penalty: float = 2.5  # lower values split at every sentence, and content then drives the clusters
    bic_context_s: float = 2.0
    bic_min_span_s: float = 3.0
    reliable_segment_s: float = 1.0  # shorter segments do not shape the clusters
    gmm_components: int = 8
    reseg_iterations: int = 3
    smooth_s: float = 0.5  # moving average of the frame log-likelihood ratio
    min_turn_s: float = 0.8  # shorter label runs inside one speech span join their neighbour
    min_share: float = 0.05  # resegmentation may not shrink a speaker below this share of speech
    use_mfcc_std: bool = True


DEFAULT_OPTIONS = EmbeddedOptions()


def diarize(samples16k: np.ndarray, settings: object | None = None, *, speech: Sequence[Span] | None = None,
            exclude: Sequence[Span] | None = None, num_speakers: int = 2,
            options: EmbeddedOptions = DEFAULT_OPTIONS, method: str | None = None,
            anchor: Span | None = None) -> Diarization:
    """Diarize a 16 kHz mono signal into ``num_speakers`` (1 or 2) anonymous speakers.

    ``speech`` replaces the VAD (tests, or a caller that already ran it). ``exclude`` are spans that
    are not speech (tones, hold music; the pipeline passes its ASR exclusions); when both are None
    the analytics' tone and music detectors find them (``non_speech_spans``). ``method``: ``ge2e``
    (speaker-encoder embeddings, ``qa_engine.diarization.ge2e``) or ``mfcc`` (MFCC and pitch
    statistics, the older method); default ``settings.diarization_embedding``, else ge2e.
    ``anchor``: a stretch one person spoke (``roles.greeting_span``); ge2e keeps it in one voice.
    """
    samples16k = np.ascontiguousarray(samples16k, dtype=np.float32)
    if speech is None:
        from qa_engine.analytics.vad import speech_spans

        if exclude is None:
            exclude = non_speech_spans(samples16k)
        speech = speech_spans(samples16k)
    duration = samples16k.size / SAMPLE_RATE
    if exclude:
        speech = _subtract_spans(speech, exclude)
    spans = [Span(start=max(s.start, 0.0), end=min(s.end, duration)) for s in speech if s.end - s.start >= 0.05]
    method = getattr(settings, "diarization_embedding", "ge2e") if method is None else method
    if not spans:
        return Diarization(turns=[], backend=BACKEND, method=method)
    if method == "ge2e":
        return _diarize_ge2e(samples16k, spans, num_speakers, anchor)
    frames = _frame_features(samples16k, options)
    segments = [seg for span in spans for seg in _split_at_changes(frames.mfcc, span, options)]
    windows = [w for seg_index, seg in enumerate(segments) for w in _windows(seg, seg_index, options)]
    if num_speakers < 2 or len(windows) < 2:
        turns = [Turn(start=s.start, end=s.end, speaker="0") for s in spans]
        return Diarization(turns=_rename_by_appearance(_merge_adjacent(turns)), backend=BACKEND, method="mfcc")
    features = _window_features(frames, windows, options)
    seg_labels = _cluster_segments(features, windows, segments, options)
    turns = _resegment(frames, spans, segments, windows, seg_labels, options)
    return Diarization(turns=_rename_by_appearance(turns), backend=BACKEND, method="mfcc")


def _diarize_ge2e(samples16k: np.ndarray, spans: list[Span], num_speakers: int, anchor: Span | None = None) -> Diarization:
    """Speaker-encoder clustering (``ge2e``); spans too short to embed join the nearest turn."""
    result = ge2e.cluster(samples16k, spans, anchor=anchor) if num_speakers >= 2 else None
    if result is None:
        turns = [Turn(start=s.start, end=s.end, speaker="0") for s in spans]
        return Diarization(turns=_rename_by_appearance(_merge_adjacent(turns)), backend=BACKEND, method="ge2e")
    labels = result.frame_labels
    turns: list[Turn] = []
    unlabelled: list[Span] = []
    for span in spans:
        a, b = round(span.start * 100), min(round(span.end * 100), labels.size)
        seg = labels[a:b]
        if b <= a or not (seg >= 0).any():
            unlabelled.append(span)
            continue
        change = np.flatnonzero(np.diff(seg)) + 1
        bounds = [a, *(a + change), b]
        for s, e in zip(bounds, bounds[1:]):
            turns.append(Turn(start=max(s / 100, span.start), end=min(e / 100, span.end), speaker=str(int(seg[s - a]))))
    if turns:
        turns += [Turn(start=s.start, end=s.end, speaker=_nearest_label(turns, s.start, s.end)) for s in unlabelled]
    return Diarization(turns=_rename_by_appearance(_merge_adjacent(turns)), backend=BACKEND, method="ge2e",
                       separation=round(result.separation, 4))


def non_speech_spans(samples16k: np.ndarray) -> list[Span]:
    """Ringback, disconnect tones and music in a 16 kHz mono signal (the analytics' detectors).

    Silero VAD passes these as speech; left in, they form a "speaker" of their own.
    """
    from qa_engine.analytics.frames import compute_frames
    from qa_engine.analytics.music import music_spans
    from qa_engine.analytics.params import DEFAULT_PARAMS
    from qa_engine.analytics.tones import detect_tones

    if samples16k.size < SAMPLE_RATE // 10:
        return []
    frames = compute_frames(samples16k)
    ringback, disconnect = detect_tones(samples16k, frames, "mono", DEFAULT_PARAMS)
    tones = [Span(start=b.start, end=b.end) for b in ringback + disconnect]
    return tones + list(music_spans(frames, DEFAULT_PARAMS, exclude=tones))


def _subtract_spans(spans: Sequence[Span], remove: Sequence[Span], min_s: float = 0.05) -> list[Span]:
    out = []
    for s in spans:
        for a, b in _subtract(s.start, s.end, [(r.start, r.end) for r in remove]):
            if b - a >= min_s:
                out.append(Span(start=a, end=b))
    return out


# --- frame-level features --------------------------------------------------------------------------

@dataclass
class _Frames:
    mfcc: np.ndarray  # (n_mfcc - 1, n_frames), c0 (loudness) dropped
    log_f0: np.ndarray  # (n_frames,)
    rms: np.ndarray  # (n_frames,)


def _frame_features(y: np.ndarray, options: EmbeddedOptions) -> _Frames:
    mfcc = librosa.feature.mfcc(y=y, sr=SAMPLE_RATE, n_mfcc=options.n_mfcc, n_fft=512, hop_length=HOP,
                                n_mels=40, fmin=80.0, fmax=options.fmax_hz)[1:]
    # Pitch on an 8 kHz copy: the telephone band loses nothing, and yin costs half as much.
    y8 = librosa.resample(y, orig_sr=SAMPLE_RATE, target_sr=8000, res_type="polyphase") if y.size > 1024 else y
    f0 = librosa.yin(y8, fmin=65.0, fmax=420.0, sr=8000, frame_length=512, hop_length=HOP // 2) if y8.size >= 512 else np.zeros(1)
    rms = librosa.feature.rms(y=y, frame_length=512, hop_length=HOP)[0]
    n = min(mfcc.shape[1], f0.size, rms.size)
    return _Frames(mfcc=mfcc[:, :n], log_f0=np.log(np.maximum(f0[:n], 1.0)), rms=rms[:n])


# --- change points -----------------------------------------------------------------------------------

def _delta_bic(x: np.ndarray, t: int, penalty: float) -> float:
    """ΔBIC for splitting frames ``x`` (n, d) at ``t``; > 0 favours two speakers (diagonal Gaussians)."""
    n, d = x.shape

    def logdet(part: np.ndarray) -> float:
        return float(np.sum(np.log(np.var(part, axis=0) + 1e-6)))

    gain = 0.5 * (n * logdet(x) - t * logdet(x[:t]) - (n - t) * logdet(x[t:]))
    return gain - penalty * 0.5 * (2 * d) * np.log(n)


def _split_at_changes(mfcc: np.ndarray, span: Span, options: EmbeddedOptions) -> list[Span]:
    """Split a long speech span where the voice changes (two turns without a pause between them)."""
    if span.duration < options.bic_min_span_s:
        return [span]
    a, b = int(span.start * 100), min(int(span.end * 100), mfcc.shape[1])
    x = mfcc[:, a:b].T
    ctx, min_side, step = int(options.bic_context_s * 100), 100, 10
    scores = []
    for t in range(min_side, x.shape[0] - min_side + 1, step):
        lo, hi = max(t - ctx, 0), min(t + ctx, x.shape[0])
        scores.append((t, _delta_bic(x[lo:hi], t - lo, options.bic_penalty)))
    cuts: list[int] = []
    for i, (t, score) in enumerate(scores):
        left = scores[i - 1][1] if i > 0 else -np.inf
        right = scores[i + 1][1] if i + 1 < len(scores) else -np.inf
        if score > 0 and score >= left and score >= right and (not cuts or t - cuts[-1] >= min_side):
            cuts.append(t)
    edges = [span.start] + [span.start + c / 100 for c in cuts] + [span.end]
    return [Span(start=s, end=e) for s, e in zip(edges, edges[1:])]


# --- windows and their features -----------------------------------------------------------------------

@dataclass(frozen=True)
class _Window:
    start: float
    end: float
    segment: int

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2


def _windows(seg: Span, seg_index: int, options: EmbeddedOptions) -> list[_Window]:
    if seg.duration <= options.window_s + options.hop_s / 2:
        return [_Window(seg.start, seg.end, seg_index)]
    starts = list(np.arange(seg.start, seg.end - options.window_s + 1e-6, options.hop_s))
    if seg.end - (starts[-1] + options.window_s) > options.hop_s / 2:
        starts.append(seg.end - options.window_s)
    return [_Window(float(s), float(s) + options.window_s, seg_index) for s in starts]


def _window_features(frames: _Frames, windows: list[_Window], options: EmbeddedOptions) -> np.ndarray:
    n_frames = frames.mfcc.shape[1]
    rows = []
    for w in windows:
        a = min(int(w.start * 100), n_frames - 1)
        b = max(min(int(np.ceil(w.end * 100)), n_frames), a + 1)
        mfcc = frames.mfcc[:, a:b]
        rms = frames.rms[a:b]
        # Pitch from the louder half of the window's frames: mostly voiced vowels in Mandarin.
        loud = rms >= np.median(rms)
        f0 = frames.log_f0[a:b][loud] if loud.any() else frames.log_f0[a:b]
        q25, q50, q75 = np.percentile(f0, [25, 50, 75])
        rows.append(np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1), [q50, q75 - q25]]))
    feats = np.asarray(rows)
    if not options.use_mfcc_std:
        feats = np.delete(feats, np.s_[mfcc.shape[0] : 2 * mfcc.shape[0]], axis=1)
    feats = (feats - feats.mean(axis=0)) / (feats.std(axis=0) + 1e-8)
    feats[:, -2:] *= options.pitch_weight
    return feats


# --- clustering ------------------------------------------------------------------------------------------

def _cluster_segments(features: np.ndarray, windows: list[_Window], segments: list[Span],
                      options: EmbeddedOptions) -> np.ndarray:
    """Two-way label per segment (speech between pauses and change points).

    Clustering whole segments (their windows' mean features) rather than single windows averages
    out what is being said, which otherwise dominates MFCCs of 1.5 s. Short segments (嗯, 好) are
    too noisy to shape the clusters: they join the nearest cluster afterwards.
    """
    seg_of = np.array([w.segment for w in windows])
    seg_feats = np.array([features[seg_of == i].mean(axis=0) for i in range(len(segments))])
    durations = np.array([s.duration for s in segments])
    reliable = durations >= options.reliable_segment_s
    if reliable.sum() < 2:
        reliable = np.ones(len(segments), dtype=bool)
    if reliable.sum() < 2:
        # One long segment: cluster its windows; resegmentation turns them into turns.
        return AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(features) if len(windows) >= 2 else np.zeros(1, int)
    core = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(seg_feats[reliable])
    centroids = np.array([seg_feats[reliable][core == k].mean(axis=0) for k in (0, 1)])
    labels = np.argmin(((seg_feats[:, None, :] - centroids[None]) ** 2).sum(axis=2), axis=1)
    labels[reliable] = core
    return labels


def _initial_frame_labels(n_frames: int, windows: list[_Window], segments: list[Span], labels: np.ndarray) -> np.ndarray:
    out = np.full(n_frames, -1, dtype=int)
    if len(labels) == len(segments):
        for seg, label in zip(segments, labels):
            out[int(seg.start * 100) : int(np.ceil(seg.end * 100))] = label
    else:  # window labels (single-segment case): each window claims its central hop
        for w, label in zip(windows, labels):
            out[int(w.start * 100) : int(np.ceil(w.end * 100))] = label
    return out


# --- resegmentation ------------------------------------------------------------------------------------------

def _resegment(frames: _Frames, spans: list[Span], segments: list[Span], windows: list[_Window], labels: np.ndarray,
               options: EmbeddedOptions) -> list[Turn]:
    """Frame-level two-GMM resegmentation: train one Gaussian mixture per speaker on the current
    labels, relabel every speech frame by its smoothed log-likelihood ratio, keep runs ≥ min_turn_s.

    This finds turn changes without a pause between them, which the segments may have missed.
    """
    n = frames.mfcc.shape[1]
    x = np.vstack([frames.mfcc, options.pitch_weight * frames.log_f0[None, :]]).T
    speech = np.zeros(n, dtype=bool)
    for span in spans:
        speech[int(span.start * 100) : int(np.ceil(span.end * 100))] = True
    mu, sd = x[speech].mean(axis=0), x[speech].std(axis=0) + 1e-8
    x = (x - mu) / sd
    frame_labels = _initial_frame_labels(n, windows, segments, labels)
    frame_labels[~speech] = -1
    for _ in range(options.reseg_iterations):
        models = []
        for k in (0, 1):
            data = x[frame_labels == k]
            if len(data) < 100:
                models = []
                break
            comps = int(min(options.gmm_components, max(1, len(data) // 200)))
            models.append(GaussianMixture(comps, covariance_type="diag", reg_covar=1e-2, random_state=0).fit(data))
        if not models:
            break
        llr = np.zeros(n)
        llr[speech] = models[0].score_samples(x[speech]) - models[1].score_samples(x[speech])
        new = np.full(n, -1, dtype=int)
        width = max(1, int(options.smooth_s * 100))
        for span in spans:
            a, b = int(span.start * 100), min(int(np.ceil(span.end * 100)), n)
            if b <= a:
                continue
            smoothed = uniform_filter1d(llr[a:b], size=min(width, b - a), mode="nearest")
            new[a:b] = min_runs(np.where(smoothed >= 0, 0, 1), int(options.min_turn_s * 100))
        counts = np.bincount(new[new >= 0], minlength=2)
        if np.array_equal(new, frame_labels) or counts.min() < options.min_share * counts.sum():
            break  # converged, or one model swallowed the other: keep the last two-speaker labelling
        frame_labels = new
    turns = []
    for span in spans:
        a, b = int(span.start * 100), min(int(np.ceil(span.end * 100)), n)
        if b <= a:
            continue
        seg = frame_labels[a:b]
        seg = np.where(seg < 0, np.max(seg), seg) if (seg >= 0).any() else np.zeros_like(seg)
        change = np.flatnonzero(np.diff(seg)) + 1
        bounds = [a, *(a + change), b]
        for s, e in zip(bounds, bounds[1:]):
            turns.append(Turn(start=max(s / 100, span.start), end=min(e / 100, span.end), speaker=str(int(seg[s - a]))))
    return _merge_adjacent(turns)


def _merge_adjacent(turns: list[Turn], gap_s: float = 0.0) -> list[Turn]:
    out: list[Turn] = []
    for t in sorted(turns, key=lambda t: t.start):
        if out and out[-1].speaker == t.speaker and t.start - out[-1].end <= gap_s:
            out[-1] = Turn(start=out[-1].start, end=max(out[-1].end, t.end), speaker=t.speaker)
        else:
            out.append(t)
    return out


def _rename_by_appearance(turns: list[Turn]) -> list[Turn]:
    names: dict[str, str] = {}
    for t in turns:
        names.setdefault(t.speaker, f"SPEAKER_{len(names):02d}")
    return [Turn(start=round(t.start, 3), end=round(t.end, 3), speaker=names[t.speaker]) for t in turns]


# --- refinement with the transcript ---------------------------------------------------------------------------

def refine_with_segments(diarization: Diarization, asr_segments: Sequence[SegmentLike], *, dominance: float = 0.7,
                         pause_s: float = SENTENCE_PAUSE_S) -> Diarization:
    """Snap turns to the transcript: a sentence mostly (≥ ``dominance``) spoken by one label is
    given wholly to that label, and each word inside a mixed sentence to the label it overlaps most.

    Speaker changes rarely happen inside a recognised sentence, so the minority parts of a sentence
    are usually window noise at a turn boundary. A sentence is a run of an ASR segment's words
    without a pause longer than ``pause_s``: a segment is a transcription window of up to 28 s that
    spans pauses and, on a mono call, both parties. Turns outside every sentence are kept as they are.
    """
    turns = sorted(diarization.turns, key=lambda t: t.start)
    if not turns or not asr_segments:
        return diarization
    pieces: list[Turn] = []
    for start, end, words in (sent for seg in sorted(asr_segments, key=lambda s: s.start)
                              for sent in sentences(seg, pause_s)):
        share = speaker_overlap(turns, start, end)
        if not share:
            continue
        best = max(share, key=share.get)
        if share[best] >= dominance * sum(share.values()) or not words:
            pieces.append(Turn(start=start, end=end, speaker=best))
            continue
        for word in words:
            w_share = speaker_overlap(turns, word.start, word.end) or {_nearest_label(turns, word.start, word.end): 1.0}
            pieces.append(Turn(start=word.start, end=word.end, speaker=max(w_share, key=w_share.get)))
    covered = [(p.start, p.end) for p in pieces]
    for t in turns:
        for part in _subtract(t.start, t.end, covered):
            pieces.append(Turn(start=part[0], end=part[1], speaker=t.speaker))
    return Diarization(turns=_merge_adjacent([p for p in pieces if p.end > p.start], gap_s=0.05),
                       backend=diarization.backend, method=diarization.method, separation=diarization.separation)


def _nearest_label(turns: list[Turn], start: float, end: float) -> str:
    mid = (start + end) / 2
    return min(turns, key=lambda t: 0.0 if t.start <= mid <= t.end else min(abs(t.start - mid), abs(t.end - mid))).speaker


def _subtract(start: float, end: float, covered: list[tuple[float, float]]) -> list[tuple[float, float]]:
    parts = [(start, end)]
    for c0, c1 in covered:
        nxt = []
        for a, b in parts:
            if c1 <= a or c0 >= b:
                nxt.append((a, b))
                continue
            if c0 > a:
                nxt.append((a, c0))
            if c1 < b:
                nxt.append((c1, b))
        parts = nxt
    return [(a, b) for a, b in parts if b - a > 0.01]
