"""Diarization benchmark: DER (collar 0.25 s), role accuracy and real-time factor on mono mixes.

Two sources of calls:
* demo calls in audio_samples/ (stereo, one party per channel, ``<name>.json`` call record and
  ``<name>.ref.json`` reference): the mono mix is the sum of both channels; truth is the reference's
  per-speaker speech spans or, without them, per-channel VAD; the reference transcript (speaker
  labels removed) stands in for the ASR segments unless ``--asr`` is given.
* synthetic calls (``--clips DIR``, a folder of short 16 kHz Mandarin clips, e.g. the ``zh`` samples
  of the pytest-audioeval package): alternating turns of two voices — a second clip voice, or the
  same voice pitch-shifted — passed through a telephone channel (8 kHz, 300–3400 Hz, noise).

    python benchmarks/diarization.py [--samples audio_samples] [--clips DIR] [--synthetic N] [--json out.json]
Targets: DER ≤ 15 %, role accuracy 100 %.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_engine.analytics.vad import speech_spans  # noqa: E402
from qa_engine.config import Settings  # noqa: E402
from qa_engine.diarization import (assign_roles, assign_speakers, diarization_error_rate, diarize,  # noqa: E402
                                   refine_with_segments)
from qa_engine.diarization.types import Turn  # noqa: E402
from qa_engine.types import Word  # noqa: E402

SR = 16000
AGENT_LINES = ["您好，夜郎印象连锁酒店，我是108号，请问有什么可以帮您？", "好的，请问您预订哪一天入住？",
               "没问题，已经为您预留了大床房。", "请问还有什么可以帮您？", "感谢您的来电，再见。"]
CUSTOMER_LINES = ["喂，你好。", "我想订一间房。", "下周五，住两晚。", "多少钱一晚？", "好的，谢谢。", "没有了，再见。"]
OUTBOUND_AGENT_FIRST = "您好，这里是夜郎印象连锁酒店，我是215号，请问是王先生吗？"


class Seg:
    """A stand-in ASR segment (start, end, text, words)."""

    def __init__(self, start: float, end: float, text: str, words: list[Word] | None = None):
        self.start, self.end, self.text, self.words = start, end, text, words or []


def telephone(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import librosa
    from scipy.signal import butter, sosfilt

    y8 = librosa.resample(x, orig_sr=SR, target_sr=8000)
    y8 = sosfilt(butter(4, [300, 3400], btype="band", fs=8000, output="sos"), y8)
    y8 = y8 + rng.normal(0, 10 ** (-50 / 20), y8.size)
    return librosa.resample(y8.astype(np.float32), orig_sr=8000, target_sr=SR)


def _words_for(text: str, spans: list[tuple[float, float]]) -> list[Word]:
    chars = [c for c in text if c.strip()]
    total = sum(e - s for s, e in spans) or 1e-3
    words, k = [], 0
    for s, e in spans:
        n = max(1, round(len(chars) * (e - s) / total)) if (s, e) != spans[-1] else len(chars) - k
        step = (e - s) / max(n, 1)
        for i in range(n):
            if k >= len(chars):
                break
            words.append(Word(start=s + i * step, end=s + (i + 1) * step, text=chars[k]))
            k += 1
    return words


def synthetic_call(clips: list[np.ndarray], voice_b: list[np.ndarray], rng: np.random.Generator,
                   direction: str, agent_is_a: bool, n_turns: int = 10) -> dict:
    """A mono call of alternating turns; returns audio, truth turns, stand-in segments, role truth."""
    parts_a, parts_b, cursor = [], [], 0.5
    turns, segments = [], []
    agent_voice = "A" if agent_is_a else "B"
    first = agent_voice if direction == "inbound" else ("B" if agent_is_a else "A")
    speaker = first
    agent_i = customer_i = 0
    for k in range(n_turns):
        pool = clips if speaker == "A" else voice_b
        pieces = [pool[i] for i in rng.choice(len(pool), size=int(rng.integers(1, 3)))]
        audio = np.concatenate([np.concatenate([p, np.zeros(int(0.1 * SR), np.float32)]) for p in pieces])
        (parts_a if speaker == "A" else parts_b).append((cursor, audio))
        is_agent = speaker == agent_voice
        if is_agent:
            text = OUTBOUND_AGENT_FIRST if direction == "outbound" and agent_i == 0 else AGENT_LINES[agent_i % len(AGENT_LINES)]
            agent_i += 1
        else:
            text = CUSTOMER_LINES[customer_i % len(CUSTOMER_LINES)]
            customer_i += 1
        segments.append((cursor, cursor + audio.size / SR, text, speaker))
        cursor += audio.size / SR + float(rng.choice([0.05, 0.3, 0.6, 1.0, 1.5]))
        speaker = "B" if speaker == "A" else "A"
    n = int((cursor + 0.5) * SR)
    tracks = {}
    for name, parts in (("A", parts_a), ("B", parts_b)):
        track = np.zeros(n, np.float32)
        for start, audio in parts:
            a = int(start * SR)
            track[a : a + audio.size] += audio
        tracks[name] = telephone(track, rng) * (0.8 if name == "A" else 0.6)
    truth = {name: speech_spans(np.ascontiguousarray(tr, dtype=np.float32)) for name, tr in tracks.items()}
    ref_turns = [Turn(start=s.start, end=s.end, speaker=name) for name, spans in truth.items() for s in spans]
    segs = []
    for start, end, text, spk in segments:
        inside = [(max(s.start, start), min(s.end, end)) for s in truth[spk] if s.end > start and s.start < end]
        inside = inside or [(start, end)]
        segs.append(Seg(inside[0][0], inside[-1][1], text, _words_for(text, inside)))
    return {"mono": tracks["A"] + tracks["B"], "ref": ref_turns, "segments": segs,
            "record": argparse.Namespace(direction=direction, agent_id="108"), "agent_ref": agent_voice}


def load_clips(folder: Path) -> list[np.ndarray]:
    import librosa

    clips = []
    for wav in sorted(folder.glob("*.wav")):
        y, _ = librosa.load(wav, sr=SR, mono=True)
        y, _ = librosa.effects.trim(y, top_db=35)
        clips.append(y.astype(np.float32))
    return clips


def synthetic_cases(clips_dir: Path, n: int, seed: int = 7) -> list[tuple[str, dict]]:
    import librosa

    rng = np.random.default_rng(seed)
    zh = load_clips(clips_dir)
    shifted_low = [librosa.effects.pitch_shift(c, sr=SR, n_steps=-5) for c in zh]  # different 'voice', lower
    shifted_near = [librosa.effects.pitch_shift(c, sr=SR, n_steps=-2) for c in zh]  # same gender, close pitch
    others = {}
    for lang in ("ja", "it", "es"):
        d = clips_dir.parent / lang
        if d.is_dir():
            others[lang] = load_clips(d)
    pairs = [("zh/zh-5st", shifted_low), ("zh/zh-2st(same gender)", shifted_near)]
    pairs += [(f"zh/{lang}{'(same gender)' if lang in ('ja', 'it') else ''}", c) for lang, c in others.items()]
    cases = []
    for i in range(n):
        name, voice_b = pairs[i % len(pairs)]
        direction = "inbound" if i % 3 != 2 else "outbound"
        cases.append((f"syn{i:02d} {name} {direction}", synthetic_call(zh, voice_b, rng, direction, agent_is_a=bool(i % 2))))
    return cases


def _spans(items) -> list[tuple[float, float]]:
    out = []
    for it in items:
        if isinstance(it, dict):
            out.append((float(it["start"]), float(it["end"])))
        else:
            out.append((float(it[0]), float(it[1])))
    return out


def demo_cases(folder: Path, use_asr: bool) -> list[tuple[str, dict]]:
    import librosa
    import soundfile as sf

    from qa_engine.callrecord import load_call_record

    cases = []
    settings = Settings()
    for ref_path in sorted(folder.glob("*.ref.json")):
        name = ref_path.name[: -len(".ref.json")]
        audio = next((p for p in folder.glob(name + ".*") if p.suffix.lower() in (".wav", ".mp3", ".m4a", ".flac")), None)
        if audio is None:
            continue
        record = load_call_record(audio, settings)
        ref = json.loads(ref_path.read_text(encoding="utf-8"))
        data, sr = sf.read(audio, dtype="float32", always_2d=True)
        if data.shape[1] < 2:
            continue
        left, right = (librosa.resample(np.ascontiguousarray(data[:, c]), orig_sr=sr, target_sr=SR) for c in (0, 1))
        agent_ch, cust_ch = (left, right) if record.agent_channel != "right" else (right, left)
        truth_speech = (ref.get("truth") or {}).get("speech") or {}
        if truth_speech.get("agent") is not None and truth_speech.get("customer") is not None:
            speech = {role: _spans(truth_speech[role]) for role in ("agent", "customer")}
        else:
            speech = {role: [(s.start, s.end) for s in speech_spans(ch)] for role, ch in (("agent", agent_ch), ("customer", cust_ch))}
        ref_turns = [Turn(start=s, end=e, speaker=role) for role, spans in speech.items() for s, e in spans]
        if use_asr:
            from qa_engine.asr.model import load_model
            from qa_engine.asr.transcribe import transcribe

            segments = transcribe(load_model(settings), (left + right).astype(np.float32), settings=settings)
        else:
            segments = [Seg(float(u["start"]), float(u["end"]), u["text"]) for u in ref.get("transcript", [])]
        cases.append((name, {"mono": (left + right).astype(np.float32), "ref": ref_turns, "segments": segments,
                             "record": record, "agent_ref": "agent"}))
    return cases


def evaluate(cases: list[tuple[str, dict]], settings: Settings) -> dict:
    """DER of the raw diarization (audio only) and after snapping to the transcript's sentences.

    With the reference transcript standing in for ASR, the snapped DER is optimistic (its sentence
    times are the truth's speech spans); the raw DER is the honest audio-only figure.
    """
    rows, total_audio, total_time = [], 0.0, 0.0
    print(f"{'call':42s} {'dur_s':>6s} {'DER%':>6s} {'miss':>5s} {'FA':>5s} {'conf':>5s} {'+sent':>6s} {'role':>5s} {'conf':>5s} {'RTF':>6s}")
    for name, case in cases:
        t0 = time.perf_counter()
        raw = diarize(case["mono"], settings)
        elapsed = time.perf_counter() - t0
        snapped = refine_with_segments(raw, case["segments"])
        roles = assign_roles(snapped, case["segments"], case["record"])
        assign_speakers(case["segments"], snapped, roles)
        dur = case["mono"].size / SR
        der = diarization_error_rate(case["ref"], raw.turns, collar=0.25)
        der_snapped = diarization_error_rate(case["ref"], snapped.turns, collar=0.25)
        role_ok = der_snapped.mapping.get(roles.agent_label or "") == case["agent_ref"]
        total_audio += dur
        total_time += elapsed
        rows.append({"call": name, "duration_s": round(dur, 1), "der": round(der.der, 4), "missed_s": round(der.missed_s, 2),
                     "false_alarm_s": round(der.false_alarm_s, 2), "confusion_s": round(der.confusion_s, 2),
                     "total_s": round(der.total_s, 2), "der_with_sentences": round(der_snapped.der, 4),
                     "role_correct": role_ok, "role_confidence": roles.confidence, "role_reason": roles.reason,
                     "rtf": round(elapsed / dur, 4)})
        r, tot = rows[-1], max(der.total_s, 1e-9)
        print(f"{name[:42]:42s} {dur:6.1f} {100 * der.der:6.1f} {der.missed_s / tot * 100:5.1f} "
              f"{der.false_alarm_s / tot * 100:5.1f} {der.confusion_s / tot * 100:5.1f} {100 * der_snapped.der:6.1f} "
              f"{'ok' if role_ok else 'WRONG':>5s} {r['role_confidence']:5.2f} {r['rtf']:6.3f}")
    if not rows:
        return {"calls": []}
    tot = sum(r["total_s"] for r in rows)
    err = sum(r["missed_s"] + r["false_alarm_s"] + r["confusion_s"] for r in rows)
    summary = {"calls": rows, "der_overall": round(err / tot, 4) if tot else None,
               "der_mean": round(float(np.mean([r["der"] for r in rows])), 4),
               "der_with_sentences_mean": round(float(np.mean([r["der_with_sentences"] for r in rows])), 4),
               "role_accuracy": round(sum(r["role_correct"] for r in rows) / len(rows), 4),
               "rtf": round(total_time / total_audio, 4)}
    print(f"overall: DER {100 * summary['der_overall']:.1f}% (mean per call {100 * summary['der_mean']:.1f}%; "
          f"snapped to sentences {100 * summary['der_with_sentences_mean']:.1f}%), role accuracy "
          f"{100 * summary['role_accuracy']:.0f}% ({len(rows)} calls), RTF {summary['rtf']:.3f} (diarization only)")
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=Path, default=ROOT / "audio_samples")
    ap.add_argument("--clips", type=Path, default=None, help="folder of 16 kHz Mandarin clips for synthetic calls")
    ap.add_argument("--synthetic", type=int, default=8, help="number of synthetic calls (with --clips)")
    ap.add_argument("--asr", action="store_true", help="use qa_engine.asr for segments instead of the reference transcript")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    settings = Settings(diarization_pipeline=None)
    report = {}
    demo = demo_cases(args.samples, args.asr) if args.samples.is_dir() else []
    if demo:
        print(f"== demo calls in {args.samples} (mono = left + right) ==")
        report["demo"] = evaluate(demo, settings)
    else:
        print(f"no stereo demo calls with .ref.json in {args.samples}")
    if args.clips:
        print(f"== synthetic calls from {args.clips} ==")
        report["synthetic"] = evaluate(synthetic_cases(args.clips, args.synthetic), settings)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
