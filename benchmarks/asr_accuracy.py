"""ASR accuracy and speed on the demo calls in audio_samples/.

For every ``<name>.ref.json`` beside a recording this prints the character error rate (CER) of
the transcript, the role accuracy (share of reference characters whose time-overlapping
hypothesis utterance has the right speaker), the characters transcribed inside the reference's
ringback / hold / dead-air / disconnect-tone spans (must be 0), and the real-time factor of
transcription (seconds spent in Whisper / call duration).

    PYTHONPATH=. .venv/bin/python benchmarks/asr_accuracy.py [--samples audio_samples] [--direct]

By default each call goes through the full pipeline (``qa_engine.pipeline.analyze_call``);
``--direct`` (or a pipeline that cannot be imported) decodes the file itself, splits the channels
by the sidecar and calls ``transcribe`` without analytics exclusions: a harder test of the guards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa_engine.asr.model import load_model  # noqa: E402
from qa_engine.asr.transcribe import batched_pipeline, domain_hotwords, merge_utterances, to_simplified, to_utterances, transcribe  # noqa: E402
from qa_engine.asr.scoring import edit_distance, normalize  # noqa: E402
from qa_engine.config import Settings  # noqa: E402
from qa_engine.types import Utterance  # noqa: E402

AUDIO_EXTS = (".wav", ".mp3", ".m4a", ".flac")


def role_accuracy(ref: list[dict], hyp: list[Utterance]) -> tuple[int, int]:
    """(reference characters whose best-overlapping hypothesis utterance has the right speaker, those with any)."""
    right = covered = 0
    for r in ref:
        n = len(normalize(r["text"]))
        best, best_ov = None, 0.0
        for h in hyp:
            ov = min(r["end"], h.end) - max(r["start"], h.start)
            if ov > best_ov:
                best, best_ov = h, ov
        if best is not None:
            covered += n
            right += n if best.speaker == r["speaker"] else 0
    return right, covered


def nonspeech_chars(truth: dict, ref: list[dict], hyp: list[Utterance], pad: float = 0.3) -> int:
    """Hypothesis characters placed in ringback, hold, dead air or disconnect tone, away from reference speech."""
    spans = [(s["start"], s["end"]) for key in ("ringback", "holds", "dead_air", "disconnect_tone") for s in truth.get(key) or []]
    talk = [(r["start"] - pad, r["end"] + pad) for r in ref]
    count = 0
    for h in hyp:
        pieces = [(w.start, w.end, w.text) for w in h.words] or [(h.start, h.end, h.text)]
        for start, end, text in pieces:
            mid = (start + end) / 2
            if any(a <= mid <= b for a, b in spans) and not any(a <= mid <= b for a, b in talk):
                count += len(normalize(text))
    return count


class TimedModel:
    """Wraps the decoder ``transcribe`` hands its clips to (faster-whisper's BatchedInferencePipeline
    around the WhisperModel) and adds up the time spent decoding (the segments are a lazy generator)."""

    def __init__(self, model):
        self.model, self.seconds = model, 0.0

    def transcribe(self, audio, **kwargs):
        t0 = time.perf_counter()
        segments, info = self.model.transcribe(audio, **kwargs)
        self.seconds += time.perf_counter() - t0

        def timed():
            while True:
                t = time.perf_counter()
                try:
                    seg = next(segments)
                except StopIteration:
                    self.seconds += time.perf_counter() - t
                    return
                self.seconds += time.perf_counter() - t
                yield seg

        return timed(), info


def direct_transcript(path: Path, settings: Settings, model, hotwords: str) -> tuple[list[Utterance], float]:
    import soundfile as sf
    from scipy.signal import resample_poly

    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    agent_ch = {"left": 0, "right": 1}.get(sidecar.get("agent_channel", "left"), 0)
    chans = {"agent": data[:, agent_ch], "customer": data[:, 1 - agent_ch]}
    per_role = []
    for speaker, x in chans.items():
        x16 = resample_poly(x, 16000, rate).astype(np.float32) if rate != 16000 else x
        per_role.append(to_utterances(transcribe(model, x16, settings=settings, hotwords=hotwords), speaker))
    return merge_utterances(*per_role), data.shape[0] / rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=Path, default=REPO / "audio_samples")
    ap.add_argument("--only", default="", help="substring of the call names to run")
    ap.add_argument("--direct", action="store_true", help="bypass the pipeline (no analytics exclusions)")
    ap.add_argument("--beam", type=int, default=None, help="override QA_ASR_BEAM_SIZE")
    ap.add_argument("--no-hotwords", action="store_true")
    ap.add_argument("--compute-type", default=None, help="override QA_ASR_COMPUTE_TYPE")
    ap.add_argument("--threads", type=int, default=None, help="override QA_ASR_THREADS")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--show", action="store_true", help="print reference and hypothesis lines")
    args = ap.parse_args(argv)

    settings = Settings()
    if args.beam:
        settings = settings.model_copy(update={"asr_beam_size": args.beam})
    if args.compute_type:
        settings = settings.model_copy(update={"asr_compute_type": args.compute_type})
    if args.threads:
        settings = settings.model_copy(update={"asr_threads": args.threads})
    model = TimedModel(batched_pipeline(load_model(settings)))
    hotwords = "" if args.no_hotwords else domain_hotwords(settings)
    analyze_call = None
    if not args.direct:
        try:
            from qa_engine.pipeline import analyze_call
        except ImportError as exc:
            print(f"pipeline unavailable ({exc}); transcribing directly", file=sys.stderr)

    rows, tot = [], dict(err=0, ref=0, right=0, covered=0, nonspeech=0, asr_s=0.0, total_s=0.0, dur=0.0)
    for ref_path in sorted(args.samples.glob("*.ref.json")):
        name = ref_path.name[: -len(".ref.json")]
        if args.only not in name:
            continue
        audio = next((ref_path.with_name(name + ext) for ext in AUDIO_EXTS if ref_path.with_name(name + ext).exists()), None)
        if audio is None:
            continue
        ref = json.loads(ref_path.read_text(encoding="utf-8"))
        before, t0 = model.seconds, time.perf_counter()
        if analyze_call is not None:
            result = analyze_call(audio, settings, model=model)
            hyp, duration = result.transcript, result.duration_s
        else:
            hyp, duration = direct_transcript(audio, settings, model, hotwords)
        total_s, asr_s = time.perf_counter() - t0, model.seconds - before
        ref_utts = sorted(ref["transcript"], key=lambda u: u["start"])
        r_text = "".join(normalize(u["text"]) for u in ref_utts)
        h_text = "".join(normalize(u.text) for u in hyp)
        err = edit_distance(r_text, h_text)
        right, covered = role_accuracy(ref_utts, hyp)
        ns = nonspeech_chars(ref.get("truth", {}), ref_utts, hyp)
        row = dict(call=name, duration_s=round(duration, 1), cer=round(err / max(1, len(r_text)), 4),
                   role_acc=round(right / max(1, covered), 4), nonspeech_chars=ns,
                   asr_s=round(asr_s, 2), rtf_asr=round(asr_s / duration, 4), rtf_total=round(total_s / duration, 4))
        rows.append(row)
        for k, v in dict(err=err, ref=len(r_text), right=right, covered=covered, nonspeech=ns, asr_s=asr_s,
                         total_s=total_s, dur=duration).items():
            tot[k] += v
        print(f"{name:45s} {duration:6.1f}s  CER {row['cer']:6.1%}  roles {row['role_acc']:6.1%}  "
              f"non-speech chars {ns:3d}  ASR {asr_s:5.1f}s RTF {row['rtf_asr']:.3f} (total {row['rtf_total']:.3f})",
              flush=True)
        if args.show:
            for u in ref_utts:
                print(f"   REF {u['speaker'][:4]} {u['start']:6.1f}-{u['end']:6.1f} {u['text']}")
            for u in hyp:
                print(f"   HYP {u.speaker[:4]} {u.start:6.1f}-{u.end:6.1f} {u.text}")
    if not rows:
        print(f"no <name>.ref.json with a recording in {args.samples}", file=sys.stderr)
        return 1
    overall = dict(calls=len(rows), cer=round(tot["err"] / max(1, tot["ref"]), 4),
                   role_acc=round(tot["right"] / max(1, tot["covered"]), 4), nonspeech_chars=tot["nonspeech"],
                   rtf_asr=round(tot["asr_s"] / tot["dur"], 4), rtf_total=round(tot["total_s"] / tot["dur"], 4),
                   beam_size=settings.asr_beam_size, hotwords=hotwords, load_avg=os.getloadavg(), mode="direct" if analyze_call is None else "pipeline")
    print(f"load average (1/5/15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"OVERALL {len(rows)} calls, {tot['dur']:.0f}s audio: CER {overall['cer']:.1%}  roles {overall['role_acc']:.1%}  "
          f"non-speech chars {tot['nonspeech']}  RTF(asr) {overall['rtf_asr']:.3f}  RTF(total) {overall['rtf_total']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(dict(overall=overall, calls=rows), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
