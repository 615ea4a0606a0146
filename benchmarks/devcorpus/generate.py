#!/usr/bin/env python3
"""Render the second dev corpus (benchmarks/devcorpus/scenarios.yaml): calls the pipeline was never tuned on.

It reuses the demo generator (audio_samples/generate.py: ringback, holds, telephone band, levels,
truth) but synthesises speech the way people talk: every line (or every ``|``-separated part of a
line) is one whole TTS utterance, and a ``|`` inside a turn is a natural pause of 0.4-1.2 s.
Scenarios may also set ``speed`` (tempo of both voices), ``noise_dbfs``, ``sample_rate`` (written
at 8 or 16 kHz) and ``mono: true`` (both parties mixed on one channel, sidecar ``agent_channel:
mono``).

Expected outcomes are the script author's labels: a text rule (greeting, brand, work number,
hold notice, closing...) fails exactly when the scenario lists it in ``violations``; rules measured
from the placed audio (rings, dead air, interruptions, rate, volume, hang-up) come from the
measured truth, as in the demo generator. The output is written to a folder named after a hash of
the scenarios and the generator (``benchmarks/devcorpus/calls/<key>/``, gitignored): edit either
and the corpus is rebuilt beside the old one.

    .venv-tts/bin/python benchmarks/devcorpus/generate.py            # prints the output folder
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import yaml
from scipy import signal

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "audio_samples"))
import generate as g  # noqa: E402  (the demo generator)

TEXT_RULES = {
    "open.greeting_time_of_day", "open.brand_name", "open.agent_id", "open.offer_help",
    "outbound.no_name_first", "hold.notice", "hold.thanks_after", "transfer.consent",
    "talk.banned_phrases", "close.anything_else", "close.thanks",
}
PAUSE_RANGE = (0.4, 1.2)
g.VOICE_GENDER.update({v: "female" for v in (
    "Aijia", "Aixia", "Siyue", "Aina", "Aiqi", "Aimei", "Aijing", "Xiaoxue", "Aiya", "Aiyu")})


def corpus_key(scenarios: Path) -> str:
    h = hashlib.sha256()
    for p in (scenarios, Path(__file__), REPO / "audio_samples" / "generate.py"):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


class WholeTurnTTS(g.TTS):
    """Each ``|``-separated part of a line is synthesised whole; the parts are joined by pauses."""

    def utterance(self, speaker: str, text: str, tempo: float = 1.0) -> np.ndarray:
        parts = [p.strip() for p in text.split("|") if p.strip()]
        rng = np.random.default_rng(int(hashlib.sha256(text.encode()).hexdigest()[:8], 16))
        audio: list[np.ndarray] = []
        for i, part in enumerate(parts):
            y, ok = self.clause(speaker, part)
            if not ok:
                g.log(f"    warning: implausible TTS length for {speaker} {part!r}")
            audio.append(g.stretch(y, tempo) if tempo != 1.0 else y)
            if i < len(parts) - 1:
                audio.append(np.zeros(int(rng.uniform(*PAUSE_RANGE) * g.TTS_SR), dtype=np.float32))
        return np.concatenate(audio)


def human_labels(demo_derive):
    """derive_expected with the script author's labels for the text rules (see the module doc)."""
    def derive(call, transcript, truth, sidecar):
        derived, why = demo_derive(call, transcript, truth, sidecar)
        declared = set(call.get("violations", []))
        out = {}
        for rule, outcome in derived.items():
            if rule in TEXT_RULES and outcome != "n/a":
                outcome = "fail" if rule in declared else "pass"
            out[rule] = outcome
        # The demo generator stops when its derived fails differ from the declared ones.
        call["violations"] = sorted(r for r, o in out.items() if o == "fail")
        for rule in sorted(declared ^ set(call["violations"])):
            g.log(f"    note {call['name']}: {rule} declared {rule in declared}, expected {out[rule]}")
        return out, why
    return derive


def prepared(call: dict, cfg: dict) -> tuple[dict, dict]:
    """The call and config as the demo renderer expects them: ``|`` kept for TTS only, speed and
    noise applied through the config."""
    call, cfg = copy.deepcopy(call), copy.deepcopy(cfg)
    for step in call["script"]:
        for key in ("a", "c"):
            if key in step:
                step["tts"] = step[key]
                step[key] = step[key].replace("|", "")
    voices = {**{"agent": cfg["agents"][call["agent_id"]]["voice"],
                 "customer": cfg["customers"][call["customer_number"]]["voice"]}, **call.get("voices", {})}
    speed = float(call.get("speed", 1.0))
    cfg["tempo"] = {v: speed for v in voices.values()} if speed != 1.0 else {}
    if "noise_dbfs" in call:
        cfg["defaults"]["noise_dbfs"] = float(call["noise_dbfs"])
    if call.get("mono"):
        call["agent_channel"] = "left"  # rendered stereo, mixed down below
    return call, cfg


def write(call: dict, stereo: np.ndarray, sidecar: dict, ref: dict, out: Path) -> Path:
    audio = stereo
    if call.get("mono"):
        audio = stereo.sum(axis=1, keepdims=True) * 0.9
        sidecar["agent_channel"] = "mono"
    rate = int(call.get("sample_rate", g.SR))
    if rate != g.SR:
        audio = signal.resample_poly(audio, rate // g.SR, 1, axis=0)
    ext, major, subtype = g.FORMATS[call["format"]]
    path = out / f"{call['name']}.{ext}"
    kwargs = {"compression_level": 0.4, "bitrate_mode": "CONSTANT"} if call["format"] == "mp3" else {}
    sf.write(path, audio, rate, format=major, subtype=subtype, **kwargs)
    (out / f"{call['name']}.json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    ref["recording"] = {"format": call["format"], "sample_rate": rate, "mono": bool(call.get("mono")),
                        "speed": float(call.get("speed", 1.0)), "noise_dbfs": call.get("noise_dbfs", -60.0)}
    (out / f"{call['name']}.ref.json").write_text(json.dumps(ref, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", type=Path, default=HERE / "scenarios.yaml")
    ap.add_argument("--out", type=Path, help="output folder (default: calls/<key of scenarios+generator>)")
    ap.add_argument("--cache", type=Path, default=REPO / ".cache" / "tts")
    ap.add_argument("--moh-dir", type=Path, default=Path("/tmp/moh/usr/share/asterisk/moh"))
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args(argv)
    cfg = yaml.safe_load(args.scenarios.read_text(encoding="utf-8"))
    out = args.out or HERE / "calls" / corpus_key(args.scenarios)
    out.mkdir(parents=True, exist_ok=True)
    g.derive_expected = human_labels(g.derive_expected)
    tts, music = WholeTurnTTS(args.cache), g.Music(args.moh_dir)
    for idx, raw in enumerate(cfg["calls"]):
        if args.only and raw["name"] not in args.only:
            continue
        g.log(f"== {raw['name']}")
        call, call_cfg = prepared(raw, cfg)
        stereo, sidecar, ref = g.render(call, call_cfg, tts, music, idx)
        path = write(call, stereo, sidecar, ref, out)
        g.log(f"   {path.name}: {ref['truth']['duration_s']} s, violations {call['violations']}")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
