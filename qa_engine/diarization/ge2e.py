"""Two-speaker clustering of a mono call with GE2E speaker embeddings (``voice_encoder``).

Steps: speech spans (given) → 1.6 s windows every 0.5 s inside each span (a shorter span is one
window of its own length) → one embedding per window → two-way split (the best of several
clusterings by cosine silhouette, ``two_way_split``; with an ``anchor``, only splits that keep the
anchor's windows together, and one more split grown from them) → speaker centroids →
per-frame score (mean of ``cos(window, c0) - cos(window, c1)`` over the windows covering the frame)
→ smoothed, sign → label runs shorter than ``min_turn_s`` join a neighbour → turns.

Windows do not cross a pause, so an embedding rarely mixes two voices; where a turn change has no
pause, the overlapping windows' scores cross zero at the change. ``separation`` (0–1) says how far
apart the two voices are (see ``ClusterResult``): the role confidence uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d

from qa_engine.diarization import voice_encoder
from qa_engine.diarization.runs import min_runs
from qa_engine.types import Span

FRAME_S = 0.01


@dataclass(frozen=True)
class Ge2eOptions:
    """Tuning of the embedding clustering; defaults measured on the dev mixes (benchmarks/diarization.py)."""

    window_frames: int = voice_encoder.PARTIAL_FRAMES  # 1.6 s, the encoder's training length
    step_frames: int = 50  # 0.5 s
    min_window_frames: int = 40  # shorter speech (a lone 嗯) gets the label of its neighbours
    level_dbfs: float = -30.0  # Resemblyzer normalises its input to this level
    min_share: float = 0.12  # a split giving one voice fewer windows than this is an outlier split
    smooth_s: float = 0.3
    min_turn_s: float = 0.5
    # An anchor (a sentence one person said, e.g. the greeting) counts from this many windows on;
    # a split keeps it when at least anchor_together of its windows fall on one side.
    min_anchor_windows: int = 3
    anchor_together: float = 0.8
    # The anchored split starts its other voice from this share of the windows least like the anchor.
    anchor_far_share: float = 0.2


DEFAULT_GE2E = Ge2eOptions()


@dataclass(frozen=True)
class ClusterResult:
    """Frame labels (0/1, -1 outside speech, 10 ms frames) and how well the voices separate.

    ``separation``: the median over windows of |cos(w, c0) − cos(w, c1)|, clipped to 0–1. One voice
    split in two gives margins near 0; on the dev mixes, calls whose voices were mixed up stayed at
    or below 0.10, distinct voices reach 0.2–0.45 (``confidence`` turns it into a probability).
    """

    frame_labels: np.ndarray
    separation: float
    centroid_cosine: float
    windows: int


def _windows(spans: Sequence[Span], n_frames: int, options: Ge2eOptions) -> list[tuple[int, int]]:
    out = []
    for span in spans:
        a, b = round(span.start / FRAME_S), min(round(span.end / FRAME_S), n_frames)
        length = b - a
        if length < options.min_window_frames:
            continue
        if length <= options.window_frames:
            # Crop to a multiple of 10 frames so that short windows batch by length.
            length = max(options.min_window_frames, length - length % 10)
            out.append((a + (b - a - length) // 2, a + (b - a - length) // 2 + length))
            continue
        starts = list(range(a, b - options.window_frames + 1, options.step_frames))
        if b - (starts[-1] + options.window_frames) > options.step_frames // 2:
            starts.append(b - options.window_frames)
        out += [(s, s + options.window_frames) for s in starts]
    return out


def embed_windows(mel: np.ndarray, windows: Sequence[tuple[int, int]], batch: int = 64) -> np.ndarray:
    """(n_windows, 256) embeddings; windows of equal length run through the LSTM together."""
    out = np.zeros((len(windows), 256), np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(windows):
        by_length.setdefault(b - a, []).append(i)
    for idx in by_length.values():
        for k in range(0, len(idx), batch):
            chunk = idx[k : k + batch]
            out[chunk] = voice_encoder.embed_mels(np.stack([mel[windows[i][0] : windows[i][1]] for i in chunk]))
    return out


def _spectral(emb: np.ndarray) -> np.ndarray:
    """Spectral bipartition: Fiedler vector of the normalised Laplacian of a k-nearest-neighbour
    cosine graph. Follows the graph's weakest cut; good on long calls with many windows."""
    sim = np.clip(emb @ emb.T, 0.0, 1.0)
    k = max(5, min(len(emb) // 5, 30))
    thresh = np.sort(sim, axis=1)[:, -min(k, len(emb))][:, None]
    aff = np.where(sim >= thresh, sim, 0.0)
    aff = np.maximum(aff, aff.T)
    d = 1.0 / np.sqrt(aff.sum(axis=1) + 1e-9)
    _, vecs = np.linalg.eigh(np.eye(len(emb)) - d[:, None] * aff * d[None, :])
    fiedler = vecs[:, 1] * d
    side = fiedler > 0
    if side.mean() < 0.03 or side.mean() > 0.97:  # the sign left one side (almost) empty
        side = fiedler > np.median(fiedler)
    return side.astype(int)


def _centred(emb: np.ndarray) -> np.ndarray:
    # Every voice shares a large common direction in GE2E space (same channel, same language);
    # without it, cosine geometry follows the speaker difference more.
    c = emb - emb.mean(axis=0)
    return c / (np.linalg.norm(c, axis=1, keepdims=True) + 1e-9)


def candidate_splits(emb: np.ndarray) -> dict[str, np.ndarray]:
    """Two-way partitions of the windows by several clusterings (each wins on some dev mixes)."""
    from sklearn.cluster import AgglomerativeClustering, KMeans

    ahc = lambda x: AgglomerativeClustering(n_clusters=2, metric="cosine", linkage="average").fit_predict(x)
    km = lambda x: KMeans(n_clusters=2, n_init=10, random_state=0).fit_predict(x)
    return {"spectral": _spectral(emb), "ahc": ahc(emb), "ahc_centred": ahc(_centred(emb)),
            "kmeans": km(emb), "kmeans_centred": km(_centred(emb))}


def two_way_split(emb: np.ndarray, anchor: np.ndarray | None = None, options: Ge2eOptions = DEFAULT_GE2E) -> np.ndarray:
    """The candidate split with the best cosine silhouette among those giving the smaller voice at
    least ``options.min_share`` of the windows and keeping the ``anchor`` windows (indices) together.

    No single clustering won on every dev mix: average linkage is right on short calls and splits
    off a handful of outlying windows on long ones (a high silhouette for a useless split, hence
    the share floor); spectral and k-means are right on long calls. The silhouette picks per call.
    On two similar voices the silhouette can prefer a split by what is said (the long greeting
    against the rest): the anchor, a sentence one person said, rules such splits out, and
    ``anchored_split`` adds one that starts from it. Without a usable split, the share floor alone.
    """
    from sklearn.metrics import silhouette_score

    if len(emb) < 3:
        return np.arange(len(emb)) % 2
    anchor = anchor if anchor is not None and len(anchor) >= options.min_anchor_windows else None
    candidates = list(candidate_splits(emb).values())
    if anchor is not None:
        candidates.append(anchored_split(emb, anchor, options.anchor_far_share))
    scored = []
    for labels in candidates:
        share = min(labels.mean(), 1 - labels.mean())
        if 0 < share:
            fits = share >= options.min_share
            keeps = anchor is None or _together(labels[anchor]) >= options.anchor_together
            scored.append((fits and keeps, fits, float(silhouette_score(emb, labels, metric="cosine")), labels))
    best = max(scored, key=lambda item: item[:3])
    return best[3]


def _together(labels: np.ndarray) -> float:
    """Share of these windows on the side where most of them are."""
    return float(max(labels.mean(), 1 - labels.mean()))


def anchored_split(emb: np.ndarray, anchor: np.ndarray, far_share: float, iterations: int = 20) -> np.ndarray:
    """Cosine k-means started from the anchor's voice (the mean of its windows) and the other
    voice (the mean of the ``far_share`` of the other windows least like it). The anchor is one
    person: the start then lies on the speaker axis, not on whatever splits the words said."""
    rest = np.setdiff1d(np.arange(len(emb)), anchor)
    own = _unit(emb[anchor].mean(axis=0))
    if len(rest) == 0:
        return np.zeros(len(emb), dtype=int)
    likeness = emb[rest] @ own
    other = _unit(emb[rest[likeness <= np.quantile(likeness, far_share)]].mean(axis=0))
    labels = (emb @ other > emb @ own).astype(int)
    for _ in range(iterations):
        cents = _centroids(emb, labels)
        new = (emb @ cents[1] > emb @ cents[0]).astype(int)
        if (new == labels).all():
            break
        labels = new
    return labels


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) + 1e-9)


def _inside(windows: Sequence[tuple[int, int]], span: Span | None) -> np.ndarray | None:
    """Indices of the windows whose middle lies in ``span``."""
    if span is None:
        return None
    return np.array([i for i, (a, b) in enumerate(windows) if span.start <= (a + b) / 2 * FRAME_S <= span.end], dtype=int)


def _centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    cents = []
    for k in (0, 1):
        part = emb[labels == k]
        m = part.mean(axis=0) if len(part) else emb.mean(axis=0)
        cents.append(_unit(m))
    return np.array(cents)


def cluster(samples16k: np.ndarray, spans: Sequence[Span], options: Ge2eOptions = DEFAULT_GE2E,
            anchor: Span | None = None) -> ClusterResult | None:
    """Two-speaker frame labels of the speech ``spans``; None when there are fewer than 2 windows.
    ``anchor``: a stretch one person spoke (the transcript's greeting), kept in one voice."""
    y = np.asarray(samples16k, dtype=np.float32)
    mel_input = _normalise(y, spans, options.level_dbfs)
    mel = voice_encoder.mel_frames(mel_input)
    n = mel.shape[0]
    windows = _windows(spans, n, options)
    if len(windows) < 2:
        return None
    emb = embed_windows(mel, windows)
    labels = two_way_split(emb, _inside(windows, anchor), options)
    cents = _centroids(emb, labels)
    margin = emb @ cents[0] - emb @ cents[1]
    frame_labels = _frame_labels(margin, windows, spans, n, options)
    return ClusterResult(frame_labels=frame_labels, separation=float(np.clip(np.median(np.abs(margin)), 0.0, 1.0)),
                         centroid_cosine=float(cents[0] @ cents[1]), windows=len(windows))


def _normalise(y: np.ndarray, spans: Sequence[Span], level_dbfs: float) -> np.ndarray:
    idx = np.concatenate([np.arange(int(s.start * 16000), min(int(s.end * 16000), y.size)) for s in spans]) if spans else np.arange(y.size)
    rms = float(np.sqrt(np.mean(y[idx] ** 2))) if idx.size else 0.0
    return y * (10 ** (level_dbfs / 20) / rms) if rms > 1e-6 else y


def _frame_labels(margin: np.ndarray, windows: Sequence[tuple[int, int]], spans: Sequence[Span], n: int,
                  options: Ge2eOptions) -> np.ndarray:
    total = np.zeros(n)
    count = np.zeros(n)
    for m, (a, b) in zip(margin, windows):
        total[a:b] += m
        count[a:b] += 1
    out = np.full(n, -1, dtype=int)
    covered = count > 0
    score = np.where(covered, total / np.maximum(count, 1), 0.0)
    width = max(1, int(options.smooth_s / FRAME_S))
    min_len = int(options.min_turn_s / FRAME_S)

    for span in spans:
        a, b = round(span.start / FRAME_S), min(round(span.end / FRAME_S), n)
        if b <= a:
            continue
        seg = score[a:b]
        if not covered[a:b].any():
            continue  # too short to embed: left to the caller (nearest turn)
        # Frames no window covers (span edges) take the nearest covered frame's score.
        cov = covered[a:b]
        idx = np.where(cov, np.arange(b - a), 0)
        np.maximum.accumulate(idx, out=idx)
        first = int(np.argmax(cov))
        idx[: first] = first
        seg = seg[idx]
        smoothed = uniform_filter1d(seg, size=min(width, b - a), mode="nearest")
        out[a:b] = min_runs(np.where(smoothed >= 0, 0, 1), min_len)
    return out
