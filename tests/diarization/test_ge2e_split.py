"""The two-way split of speaker embeddings, and the greeting that keeps one voice together."""

import numpy as np

from qa_engine.diarization import ge2e


def _call(content: float, speaker: float, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Unit window embeddings of a call: the agent's greeting (8 windows, two phrases), the caller
    (12), the agent again (6). Every window shares a large common direction (same line, same
    language), the two voices differ by ``speaker`` along one axis and what is said moves a window
    by ``content`` along another (phrase 1 or phrase 2)."""
    rng = np.random.default_rng(seed)
    dim = 32
    axes = np.eye(dim)
    common = rng.standard_normal(dim)
    common /= np.linalg.norm(common)

    def windows(voice: int, phrase: int, n: int) -> np.ndarray:
        x = 3 * common + (speaker if voice == 0 else -speaker) * axes[0] + content * axes[phrase] \
            + 0.1 * rng.standard_normal((n, dim))
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    emb = np.vstack([windows(0, 1, 4), windows(0, 2, 4), windows(1, 1, 6), windows(1, 2, 6), windows(0, 1, 3), windows(0, 2, 3)])
    return emb, np.array([0] * 8 + [1] * 12 + [0] * 6)


def _accuracy(labels: np.ndarray, truth: np.ndarray) -> float:
    right = float((labels == truth).mean())
    return max(right, 1 - right)


GREETING = np.arange(8)


def test_two_similar_voices_split_by_what_is_said_unless_the_greeting_stays_together():
    # What is said moves a window further than the voice does: every clustering splits phrase 1
    # from phrase 2, cutting the agent's greeting in half. The greeting is one person, so that
    # split is ruled out and the split grown from the greeting's voice is taken.
    emb, truth = _call(content=0.8, speaker=0.5)
    assert _accuracy(ge2e.two_way_split(emb), truth) == 0.5
    assert _accuracy(ge2e.two_way_split(emb, GREETING), truth) == 1.0


def test_distinct_voices_split_the_same_with_or_without_the_greeting():
    emb, truth = _call(content=0.6, speaker=0.8)
    assert _accuracy(ge2e.two_way_split(emb), truth) == 1.0
    assert (ge2e.two_way_split(emb, GREETING) == ge2e.two_way_split(emb)).all()


def test_a_greeting_of_fewer_than_three_windows_is_not_used():
    emb, _ = _call(content=0.8, speaker=0.5)
    assert (ge2e.two_way_split(emb, GREETING[:2]) == ge2e.two_way_split(emb)).all()


def test_the_anchored_split_keeps_the_greeting_on_one_side():
    emb, truth = _call(content=0.8, speaker=0.5)
    labels = ge2e.anchored_split(emb, GREETING, far_share=0.2)
    assert len(set(labels[GREETING])) == 1 and _accuracy(labels, truth) == 1.0
