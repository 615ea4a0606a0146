"""Diarization benchmark: DER (collar 0.25 s), role accuracy and real-time factor on mono mixes.

Two sources of calls:
* demo calls in audio_samples/ (stereo, one party per channel, ``<name>.json`` call record and
  ``<name>.ref.json`` reference): the mono mix is the sum of both channels; truth is the reference's
  per-speaker speech spans or, without them, per-channel VAD; the reference transcript (speaker
  labels removed) stands in for the ASR segments unless ``--asr`` is given.
* synthetic calls (``--clips DIR``, a folder of short 16 kHz Mandarin clips, e.g. the ``zh`` samples
  of the pytest-audioeval package): alternating turns of two voices — a second clip voice, or the
  same voice pitch-shifted — passed through a telephone channel (8 kHz, 300–3400 Hz, noise).

* dev mixes (``--dev``): the stereo dev calls in benchmarks/devcorpus and benchmarks/openings summed
  into mono, grouped by the voices' genders (ff, mm, mixed; ``voices`` in the reference), babble
  voices skipped; the reference sentences with their characters spread evenly stand in for ASR words
  (with ``--asr``: Whisper on the mono mix, as the pipeline runs it).

Every source runs through each embedded method (``--methods mfcc,ge2e``: old and new side by side).

    python benchmarks/diarization.py [--samples audio_samples] [--dev] [--pairs ff,mm] [--methods mfcc,ge2e]
                                     [--clips DIR] [--synthetic N] [--json out.json]
Targets: same-gender mono calls: role accuracy by speech time ≥ 90 % on every call, DER ≤ 15 %;
role confidence < 0.6 on every call whose role accuracy is below 0.8.
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
                                   greeting_span, refine_with_segments)
from qa_engine.diarization.types import Turn  # noqa: E402
from qa_engine.types import Word  # noqa: E402
from corpora import DEMO, dev_corpora, opening_corpora  # noqa: E402  (benchmarks/corpora.py)

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
            segments = asr_segments((left + right).astype(np.float32), record, settings)
        else:
            segments = [Seg(float(u["start"]), float(u["end"]), u["text"]) for u in ref.get("transcript", [])]
        cases.append((name, {"mono": (left + right).astype(np.float32), "ref": ref_turns, "segments": segments,
                             "record": record, "agent_ref": "agent"}))
    return cases


DEV_FOLDERS = [*dev_corpora(), *opening_corpora()]
BABBLE_VOICES = {"Xiaomei", "Xiaowei", "Yina"}  # ttskit voices that produce babble, not speech


def pair_kind(voices: dict) -> str:
    """``ff``, ``mm`` or ``mixed`` from the reference's ``voices`` (agent and customer genders)."""
    genders = sorted(str((voices.get(role) or {}).get("gender", "?"))[0] for role in ("agent", "customer"))
    return {"ff": "ff", "mm": "mm"}.get("".join(genders), "mixed")


def _char_words(utterance: dict) -> list[Word]:
    """The reference sentence's characters spread evenly over its time: stand-in ASR words."""
    chars = [c for c in utterance["text"] if c.strip() and c not in "，。？！、,.?!"]
    start, end = float(utterance["start"]), float(utterance["end"])
    step = (end - start) / max(len(chars), 1)
    return [Word(start=start + i * step, end=start + (i + 1) * step, text=c) for i, c in enumerate(chars)]


def asr_segments(mono: np.ndarray, record, settings: Settings) -> list:
    """What the pipeline transcribes on a mono call (``qa_engine.pipeline.mono_transcription``):
    Whisper on the mix, tones and music left out, the rule set's hotwords."""
    from qa_engine.asr.model import load_model
    from qa_engine.pipeline import asr_hotwords, mono_transcription
    from qa_engine.rules.loader import load_ruleset
    from qa_engine.types import RoleAudio

    hotwords = asr_hotwords(load_ruleset(settings.rules_dir), settings)
    roles = RoleAudio(sample_rate=SR, mono=mono)
    return mono_transcription(roles, record, settings, load_model(settings), hotwords)[0]


# Pauses shorter than this inside a speaker's speech are not segment breaks (the NIST RT
# evaluation convention for reference segments); longer ones are not speech.
REF_BRIDGE_S = 0.3


def _agent_left(record) -> bool:
    return record.agent_channel != "right"


def voiced_spans(channel: np.ndarray, sr: int, lines: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Where a party speaks inside its reference lines, pauses of REF_BRIDGE_S or more left out.

    A dev call's truth spans are whole lines, start to end: the pauses an agent makes inside a line
    (0.4–1.2 s, ``|`` in the scripts) count as speech there, so every diarizer "misses" them. This
    finds the speech from the party's own clean channel (an energy threshold between the channel's
    noise floor and its speech level, 10 ms frames), independently of the product's VAD.
    """
    hop = sr // 100
    frames = channel[: channel.size // hop * hop].reshape(-1, hop)
    db = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    inside = np.zeros(db.size, dtype=bool)
    for start, end in lines:
        inside[int(start * 100): int(end * 100)] = True
    if not inside.any():
        return []
    floor, level = np.percentile(db, 10), np.percentile(db[inside], 90)
    voiced = inside & (db > floor + 0.35 * (level - floor))
    spans: list[tuple[float, float]] = []
    for i in np.flatnonzero(voiced):
        t = i / 100
        if spans and t - spans[-1][1] < REF_BRIDGE_S:
            spans[-1] = (spans[-1][0], t + 0.01)
        else:
            spans.append((t, t + 0.01))
    return [(a, b) for a, b in spans if b - a >= 0.1]


def dev_mix_cases(folders: list[Path], use_asr: bool = False, pairs: set[str] | None = None) -> list[tuple[str, dict]]:
    """Mono mixes (agent + customer channel) of the stereo dev calls, with their per-role truth.

    Calls whose voices include a babble voice (``BABBLE_VOICES``) and recordings that are already
    mono are skipped. Each case carries ``pair`` (ff/mm/mixed) and both voices' median F0.
    """
    import librosa
    import soundfile as sf

    from qa_engine.callrecord import load_call_record

    settings = Settings()
    cases = []
    for folder in folders:
        for ref_path in sorted(folder.glob("*.ref.json")):
            name = ref_path.name[: -len(".ref.json")]
            ref = json.loads(ref_path.read_text(encoding="utf-8"))
            voices = ref.get("voices") or {}
            if {str((voices.get(r) or {}).get("speaker")) for r in ("agent", "customer")} & BABBLE_VOICES:
                continue
            if pairs is not None and pair_kind(voices) not in pairs:
                continue
            audio = next((p for p in folder.glob(name + ".*") if p.suffix.lower() in (".wav", ".mp3", ".flac")), None)
            speech = (ref.get("truth") or {}).get("speech") or {}
            if audio is None or speech.get("agent") is None or speech.get("customer") is None:
                continue
            data, sr = sf.read(audio, dtype="float32", always_2d=True)
            if data.shape[1] < 2:
                continue
            record = load_call_record(audio, settings)
            mono = librosa.resample(np.ascontiguousarray(data[:, 0] + data[:, 1]), orig_sr=sr, target_sr=SR)
            line_turns = [Turn(start=s, end=e, speaker=role) for role in ("agent", "customer") for s, e in _spans(speech[role])]
            channel = {role: data[:, 0 if _agent_left(record) == (role == "agent") else 1] for role in ("agent", "customer")}
            ref_turns = [Turn(start=s, end=e, speaker=role) for role in ("agent", "customer")
                         for s, e in voiced_spans(channel[role], sr, _spans(speech[role]))]
            mono = mono.astype(np.float32)
            segments = asr_segments(mono, record, settings) if use_asr else \
                [Seg(float(u["start"]), float(u["end"]), u["text"], _char_words(u)) for u in ref.get("transcript", [])]
            f0 = "/".join(f"{(voices.get(r) or {}).get('median_f0_hz') or 0:.0f}" for r in ("agent", "customer"))
            cases.append((f"{pair_kind(voices)} {name[:28]} {f0}", {
                "mono": mono, "ref": ref_turns, "ref_lines": line_turns, "segments": segments, "record": record,
                "agent_ref": "agent", "pair": pair_kind(voices)}))
    return cases


def role_time_accuracy(ref: list[Turn], hyp: list[Turn], roles: dict[str, str], agent_ref: str = "agent") -> float:
    """Share of the reference speech found as speech whose hypothesis role (via ``roles``) is the
    true role. Speech the VAD missed is left out (DER's miss counts it, the same for every method):
    this is about who, not whether."""
    found = right = 0.0
    for r in ref:
        truth = "agent" if r.speaker == agent_ref else "customer"
        for h in hyp:
            overlap = max(0.0, min(r.end, h.end) - max(r.start, h.start))
            found += overlap
            right += overlap if roles.get(h.speaker) == truth else 0.0
    return right / found if found else 1.0


def evaluate(cases: list[tuple[str, dict]], settings: Settings, method: str = "ge2e") -> dict:
    """DER of the raw diarization (audio only) and after snapping to the transcript's words, and
    role accuracy by speech time (the share of true speech given to the right role) of both.

    With the reference transcript standing in for ASR, the snapped figures are optimistic (its
    sentence times are the truth's speech spans); the raw ones are the honest audio-only figures.
    ``role_confidence`` is what the pipeline would report (``diarize_call``).
    """
    rows, total_audio, total_time = [], 0.0, 0.0
    print(f"-- method {method} --")
    print(f"{'call':48s} {'dur_s':>6s} {'DER%':>6s} {'lines':>6s} {'conf%':>5s} {'+snap':>6s} {'role%':>6s} {'+snap':>6s} {'sep':>5s} {'rconf':>5s} {'RTF':>6s}")
    for name, case in cases:
        t0 = time.perf_counter()
        raw = diarize(case["mono"], settings, method=method, anchor=greeting_span(case["segments"]))
        elapsed = time.perf_counter() - t0
        snapped = refine_with_segments(raw, case["segments"])
        roles = assign_roles(snapped, case["segments"], case["record"])
        assign_speakers(case["segments"], snapped, roles)
        dur = case["mono"].size / SR
        der = diarization_error_rate(case["ref"], raw.turns, collar=0.25)
        der_snapped = diarization_error_rate(case["ref"], snapped.turns, collar=0.25)
        der_lines = diarization_error_rate(case.get("ref_lines") or case["ref"], raw.turns, collar=0.25)
        role_ok = der_snapped.mapping.get(roles.agent_label or "") == case["agent_ref"]
        role_raw = role_time_accuracy(case["ref"], raw.turns, roles.roles, case["agent_ref"])
        role_snap = role_time_accuracy(case["ref"], snapped.turns, roles.roles, case["agent_ref"])
        total_audio += dur
        total_time += elapsed
        rows.append({"call": name, "pair": case.get("pair"), "duration_s": round(dur, 1), "der": round(der.der, 4),
                     "missed_s": round(der.missed_s, 2), "false_alarm_s": round(der.false_alarm_s, 2),
                     "confusion_s": round(der.confusion_s, 2), "total_s": round(der.total_s, 2),
                     "der_with_sentences": round(der_snapped.der, 4), "der_whole_lines": round(der_lines.der, 4), "role_correct": role_ok,
                     "role_time_accuracy": round(role_raw, 4), "role_time_accuracy_snapped": round(role_snap, 4),
                     "separation": raw.separation, "role_confidence": roles.confidence, "role_reason": roles.reason,
                     "rtf": round(elapsed / dur, 4)})
        r, tot = rows[-1], max(der.total_s, 1e-9)
        print(f"{name[:48]:48s} {dur:6.1f} {100 * der.der:6.1f} {100 * der_lines.der:6.1f} {der.confusion_s / tot * 100:5.1f} {100 * der_snapped.der:6.1f} "
              f"{100 * role_raw:6.1f} {100 * role_snap:6.1f} {raw.separation if raw.separation is not None else float('nan'):5.2f} "
              f"{r['role_confidence']:5.2f} {r['rtf']:6.3f}", flush=True)
    if not rows:
        return {"calls": []}
    return {"method": method, "calls": rows, **summarise(rows), "rtf": round(total_time / total_audio, 4)}


def summarise(rows: list[dict]) -> dict:
    tot = sum(r["total_s"] for r in rows)
    err = sum(r["missed_s"] + r["false_alarm_s"] + r["confusion_s"] for r in rows)
    return {"der_overall": round(err / tot, 4) if tot else None,
            "der_mean": round(float(np.mean([r["der"] for r in rows])), 4),
            "der_max": round(float(np.max([r["der"] for r in rows])), 4),
            "der_with_sentences_mean": round(float(np.mean([r["der_with_sentences"] for r in rows])), 4),
            "der_whole_lines_mean": round(float(np.mean([r.get("der_whole_lines", r["der"]) for r in rows])), 4),
            "role_accuracy": round(sum(r["role_correct"] for r in rows) / len(rows), 4),
            "role_time_accuracy_min": round(float(np.min([r["role_time_accuracy"] for r in rows])), 4),
            "role_time_accuracy_mean": round(float(np.mean([r["role_time_accuracy"] for r in rows])), 4),
            "calls_below_90": sum(r["role_time_accuracy"] < 0.9 for r in rows),
            "confident_but_wrong": sum(r["role_time_accuracy"] < 0.8 and r["role_confidence"] >= 0.6 for r in rows),
            "n": len(rows)}


def print_comparison(results: dict[str, dict]) -> None:
    """Old (mfcc) vs new (ge2e) side by side, per voice pair (ff, mm, mixed)."""
    print(f"{'pair':6s} {'method':6s} {'n':>3s} {'DER mean%':>9s} {'DER max%':>8s} {'role% min':>9s} {'role% mean':>10s} "
          f"{'<90%':>4s} {'wrong&conf≥.6':>13s} {'RTF':>6s}")
    for pair in ("ff", "mm", "mixed", "all"):
        for method, res in results.items():
            rows = [r for r in res["calls"] if pair == "all" or r["pair"] == pair]
            if not rows:
                continue
            m = summarise(rows)
            print(f"{pair:6s} {method:6s} {m['n']:3d} {100 * m['der_mean']:9.1f} {100 * m['der_max']:8.1f} "
                  f"{100 * m['role_time_accuracy_min']:9.1f} {100 * m['role_time_accuracy_mean']:10.1f} "
                  f"{m['calls_below_90']:4d} {m['confident_but_wrong']:13d} {res['rtf']:6.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=Path, default=DEMO)
    ap.add_argument("--dev", action="store_true", help="mono mixes of the stereo dev calls (devcorpus, openings)")
    ap.add_argument("--pairs", default="ff,mm,mixed", help="with --dev: voice pairs to keep")
    ap.add_argument("--methods", default="mfcc,ge2e", help="embedded methods to compare in one run")
    ap.add_argument("--clips", type=Path, default=None, help="folder of 16 kHz Mandarin clips for synthetic calls")
    ap.add_argument("--synthetic", type=int, default=8, help="number of synthetic calls (with --clips)")
    ap.add_argument("--asr", action="store_true", help="use qa_engine.asr for segments instead of the reference transcript")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    settings = Settings(diarization_pipeline=None)
    methods = [m for m in args.methods.split(",") if m]
    sources: dict[str, list] = {}
    demo = demo_cases(args.samples, args.asr) if args.samples.is_dir() else []
    if demo:
        sources[f"demo calls in {args.samples} (mono = left + right)"] = demo
    if args.dev:
        keep = set(args.pairs.split(","))
        sources["dev mixes (mono = agent + customer channel)"] = dev_mix_cases(DEV_FOLDERS, args.asr, keep)
    if args.clips:
        sources[f"synthetic calls from {args.clips}"] = synthetic_cases(args.clips, args.synthetic)
    report: dict = {}
    for title, cases in sources.items():
        print(f"== {title}: {len(cases)} calls ==")
        results = {m: evaluate(cases, settings, m) for m in methods}
        print_comparison(results)
        report[title] = results
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
