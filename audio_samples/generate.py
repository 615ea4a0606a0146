#!/usr/bin/env python3
"""Generate the synthetic Mandarin demo calls of audio_samples/ from scenarios.yaml.

Run from the repository root with the separate TTS environment:

    .venv-tts/bin/python audio_samples/generate.py                 # all calls
    .venv-tts/bin/python audio_samples/generate.py --only call01_booking_vip_compliant
    .venv-tts/bin/python audio_samples/generate.py --verify-only   # re-measure the written files

Speech comes from ttskit 0.3.8 (CPU, sequential).  Each synthesised clause is cached under
.cache/tts/<sha256>.wav (gitignored), so a re-run only mixes.  Tones are synthesised; hold music is
read from the Debian package asterisk-moh-opsound-wav (--moh-dir) or, when absent, replaced by a
synthesised fallback tune (the output then differs and the ref files say so).

For every call <name> it writes <name>.<wav|mp3>, the call-record sidecar <name>.json, the reference
<name>.ref.json, and finally manifest.json.  See README.md for the conventions.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import yaml
from scipy import signal

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SR = 8000
TTS_SR = 22050
TTS_ENGINE = "ttskit==0.3.8 (mellotron mspk + melgan)"
CACHE_VERSION = "v1"
MIN_CHUNK = 6  # characters; ttskit voices drop very short inputs

RULE_IDS = [
    "open.answer_within_3_rings",
    "open.greeting_time_of_day",
    "open.brand_name",
    "open.agent_id",
    "open.offer_help",
    "outbound.no_name_first",
    "hold.notice",
    "hold.thanks_after",
    "hold.max_60s",
    "transfer.consent",
    "talk.dead_air",
    "talk.no_interrupt",
    "talk.speech_rate",
    "talk.volume",
    "talk.banned_phrases",
    "close.anything_else",
    "close.thanks",
    "close.customer_hangs_up_first",
]
RULE_TEXT = {
    "open.answer_within_3_rings": "三声铃响内未接听",
    "open.greeting_time_of_day": "问候语与来电时段不符",
    "open.brand_name": "开场白未报酒店名称",
    "open.agent_id": "开场白未报工号或工号与座席不符",
    "open.offer_help": "开场白未询问有什么可以帮您",
    "outbound.no_name_first": "呼出电话先询问客户姓名",
    "hold.notice": "让客户等待前未说明原因、征得同意并告知时长",
    "hold.thanks_after": "等待后未感谢客户等待",
    "hold.max_60s": "等待超过一分钟",
    "transfer.consent": "转接前未说明原因或未取得同意",
    "talk.dead_air": "非等待状态下双方沉默超过十秒",
    "talk.no_interrupt": "座席打断客户说话",
    "talk.speech_rate": "座席语速不适中",
    "talk.volume": "座席音量不当",
    "talk.banned_phrases": "使用服务忌语",
    "close.anything_else": "结束前未询问是否还有其他需要",
    "close.thanks": "结束时未感谢客户来电或接听",
    "close.customer_hangs_up_first": "座席先挂断电话",
}

# Parameters of STANDARDS.md (defaults), used to derive the expected outcomes.
RING_CYCLE = {"cn": (1.0, 4.0, (450.0,)), "na": (2.0, 4.0, (440.0, 480.0))}
MAX_RINGS = 3
HOLD_MAX = 60.0
HOLD_MIN = 10.0
DEAD_AIR_LIMIT = 10.0
DEAD_AIR_REPORT = 5.0
OVERLAP_LIMIT = 1.0
RATE_RANGE = (150.0, 330.0)
VOLUME_RANGE = (-30.0, -6.0)
BANNED = ["这不归我管", "你听不懂吗", "我不是跟你说过了吗", "不知道", "没办法", "你自己看着办"]
GREETINGS = [("早上好", 5, 11), ("中午好", 11, 13), ("下午好", 13, 18), ("晚上好", 18, 29)]
PUNCT_RE = re.compile(r"[^\w]|_", re.UNICODE)

TONE_DBFS = -20.0       # RMS of a ringback / disconnect burst
MUSIC_DBFS = -24.0      # RMS of hold music
DISCONNECT = (0.35, 0.35, 5)  # on, off, bursts (about 3 s)

FORMATS = {
    "pcm16": ("wav", "WAV", "PCM_16"),
    "ulaw": ("wav", "WAV", "ULAW"),
    "alaw": ("wav", "WAV", "ALAW"),
    "mp3": ("mp3", "MP3", "MPEG_LAYER_III"),
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def dbfs_to_amp(db: float) -> float:
    return 10.0 ** (db / 20.0)


def rms_db(x: np.ndarray) -> float:
    if x.size == 0:
        return -120.0
    r = float(np.sqrt(np.mean(np.square(x.astype(np.float64)))))
    return 20 * math.log10(max(r, 1e-12))


def n_chars(text: str) -> int:
    """Characters that are not punctuation or spaces (Chinese characters; KTV counts 3)."""
    return len(PUNCT_RE.sub("", text))


# --------------------------------------------------------------------------------------------
# TTS (ttskit) with the three compatibility shims, applied by monkeypatching at run time.
# --------------------------------------------------------------------------------------------
class TTS:
    def __init__(self, cache_dir: Path):
        self.cache_dir = cache_dir
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._sdk = None
        self._torch = None

    def _load(self):
        if self._sdk is not None:
            return
        import torch
        import librosa

        torch.set_num_threads(1)  # the machine is shared
        orig_load = torch.load

        def load(*args, **kwargs):  # shim 1: old pickled checkpoints
            kwargs["weights_only"] = False
            return orig_load(*args, **kwargs)

        torch.load = load
        orig_pad = librosa.util.pad_center

        def pad_center(data, *args, **kwargs):  # shim 2: keyword-only `size`
            if args:
                kwargs["size"] = args[0]
            return orig_pad(data, **kwargs)

        librosa.util.pad_center = pad_center
        orig_mel = librosa.filters.mel

        def mel(*args, **kwargs):  # shim 3: keyword-only arguments
            for k, v in zip(["sr", "n_fft", "n_mels", "fmin", "fmax"], args):
                kwargs[k] = v
            return orig_mel(**kwargs)

        librosa.filters.mel = mel
        import logging

        logging.disable(logging.INFO)
        from ttskit import sdk_api

        self._sdk = sdk_api
        self._torch = torch

    def _key(self, speaker: str, text: str) -> str:
        return hashlib.sha256(f"ttskit-0.3.8|{CACHE_VERSION}|{speaker}|{text}".encode()).hexdigest()

    @staticmethod
    def plausible(y: np.ndarray, text: str) -> bool:
        """Reject attention failures: (nearly) empty or run-on output for the text length."""
        chars = max(n_chars(text), 1)
        per_char = len(y) / TTS_SR / chars
        hi = 0.36 if chars > 3 else 0.6
        return 0.10 <= per_char <= hi

    def clause(self, speaker: str, text: str) -> tuple[np.ndarray, bool]:
        """One chunk at 22.05 kHz, leading/trailing silence trimmed; cached on disk."""
        key = self._key(speaker, text)
        path = self.cache_dir / f"{key}.wav"
        if path.exists():
            y, _ = sf.read(path, dtype="float32")
            return y, self.plausible(y, text)
        self._load()
        chars = max(n_chars(text), 1)
        best, best_err = None, None
        for attempt in range(4):
            self._torch.manual_seed(int(key[:8], 16) + attempt)
            wav = self._sdk.tts_sdk_base(text, speaker=speaker)
            y, sr = sf.read(io.BytesIO(wav), dtype="float32")
            assert sr == TTS_SR, sr
            y = trim(y, sr)
            err = abs(math.log(max(len(y) / sr / chars, 1e-3) / 0.22))
            if best is None or err < best_err:
                best, best_err = y, err
            if self.plausible(y, text):
                break
            log(f"    retry {speaker} {text!r}: {len(y) / sr / chars:.3f} s/char")
        sf.write(path, best, TTS_SR, subtype="PCM_16")
        return best, self.plausible(best, text)

    def utterance(self, speaker: str, text: str, tempo: float = 1.0) -> np.ndarray:
        """Whole utterance, synthesised in chunks of at least MIN_CHUNK characters split at the
        punctuation and joined with short pauses; a chunk that fails is merged with a neighbour."""
        parts = [p for p in re.findall(r"[^，、。？！；：,.?!;:]+[，、。？！；：,.?!;:]*", text)
                 if PUNCT_RE.sub("", p)]
        chunks: list[str] = []
        for p in parts:
            if chunks and n_chars(chunks[-1]) < MIN_CHUNK:
                chunks[-1] += p
            else:
                chunks.append(p)
        if len(chunks) > 1 and n_chars(chunks[-1]) < MIN_CHUNK:
            last = chunks.pop()
            chunks[-1] += last
        audio: list[np.ndarray] = []
        i = 0
        while i < len(chunks):
            y, ok = self.clause(speaker, chunks[i])
            if not ok and len(chunks) > 1:
                if i + 1 < len(chunks):
                    chunks[i:i + 2] = [chunks[i] + chunks[i + 1]]
                else:
                    chunks[i - 1:i + 1] = [chunks[i - 1] + chunks[i]]
                    i -= 1
                    audio = audio[:-2] if len(audio) >= 2 else []
                continue
            if not ok:
                raise SystemExit(f"TTS failed for {speaker}: {chunks[i]!r}")
            if tempo != 1.0:
                y = stretch(y, tempo)
            audio.append(y)
            if i < len(chunks) - 1:
                pause = 0.18 if chunks[i][-1] in "，、,：:" else 0.32
                audio.append(np.zeros(int(pause * TTS_SR), dtype=np.float32))
            i += 1
        return np.concatenate(audio)


def stretch(y: np.ndarray, tempo: float) -> np.ndarray:
    """Slow a fast voice down (tempo < 1) without changing its pitch (phase vocoder)."""
    import librosa

    return librosa.effects.time_stretch(y.astype(np.float32), rate=tempo, n_fft=1024, hop_length=256)


def trim(y: np.ndarray, sr: int, thresh_db: float = -38.0) -> np.ndarray:
    hop = int(0.01 * sr)
    n = len(y) // hop
    if n == 0:
        return y
    fr = y[: n * hop].reshape(n, hop)
    e = 10 * np.log10(np.mean(fr.astype(np.float64) ** 2, axis=1) + 1e-12)
    on = np.where(e > e.max() + thresh_db)[0]
    if on.size == 0:
        return y
    a = max(0, on[0] * hop - int(0.02 * sr))
    b = min(len(y), (on[-1] + 1) * hop + int(0.03 * sr))
    return y[a:b]


# --------------------------------------------------------------------------------------------
# Signal helpers
# --------------------------------------------------------------------------------------------
_BP = signal.butter(6, [300, 3400], btype="bandpass", fs=SR, output="sos")


def telephone(y22: np.ndarray) -> np.ndarray:
    y = signal.resample_poly(y22.astype(np.float64), 160, 441)
    return signal.sosfiltfilt(_BP, y)


def bandlimit(y: np.ndarray) -> np.ndarray:
    return signal.sosfiltfilt(_BP, y.astype(np.float64))


def softclip(y: np.ndarray, knee: float = 0.5, ceil: float = 0.9) -> np.ndarray:
    a = np.abs(y)
    over = a > knee
    out = y.copy()
    out[over] = np.sign(y[over]) * (knee + (ceil - knee) * np.tanh((a[over] - knee) / (ceil - knee)))
    return out


def set_level(y: np.ndarray, db: float) -> np.ndarray:
    """Scale to `db` dBFS RMS over the utterance; rare TTS peaks are soft-limited below 0.9."""
    for _ in range(3):
        y = y / np.sqrt(np.mean(y**2)) * dbfs_to_amp(db)
        y = softclip(y)
    return y


def tone(freqs, dur: float, db: float) -> np.ndarray:
    t = np.arange(int(round(dur * SR))) / SR
    y = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    y = y / np.sqrt(np.mean(y**2)) * dbfs_to_amp(db)
    ramp = int(0.005 * SR)
    env = np.ones_like(y)
    env[:ramp] = np.linspace(0, 1, ramp)
    env[-ramp:] = np.linspace(1, 0, ramp)
    return y * env


def synth_music(dur: float, seed: int) -> np.ndarray:
    """Fallback hold music: a gentle arpeggio of soft sine notes (used when no MOH file exists)."""
    rng = np.random.default_rng(seed)
    notes = [261.6, 329.6, 392.0, 523.3, 440.0, 349.2, 293.7, 392.0]
    n = int(dur * SR)
    y = np.zeros(n)
    step = 0.4
    for k in range(int(dur / step) + 1):
        f = notes[(k + int(rng.integers(0, 2))) % len(notes)]
        a = int(k * step * SR)
        t = np.arange(int(0.8 * SR)) / SR
        note = (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)) * np.exp(-3 * t)
        b = min(n, a + len(note))
        y[a:b] += note[: b - a]
    return y


class Music:
    def __init__(self, moh_dir: Path | None):
        self.files = sorted(moh_dir.glob("*.wav")) if moh_dir and moh_dir.is_dir() else []
        self.source = None

    def get(self, dur: float, index: int, seed: int) -> tuple[np.ndarray, str]:
        n = int(round(dur * SR))
        if self.files:
            f = self.files[index % len(self.files)]
            y, sr = sf.read(f, dtype="float64", always_2d=True)
            y = y.mean(axis=1)
            if sr != SR:
                y = signal.resample_poly(y, SR, sr)
            start = int(5 * SR)
            while len(y) < start + n:
                y = np.concatenate([y, y])
            y = y[start : start + n]
            src = f"asterisk-moh-opsound-wav: {f.name} (CC-BY-SA-3.0), from 5.0 s"
        else:
            y = synth_music(dur, seed)
            src = "synthesised fallback tune (asterisk-moh-opsound-wav not found)"
        y = bandlimit(y)
        # level over the non-quiet part, gentle fade in/out
        y = y / max(np.sqrt(np.mean(y**2)), 1e-9) * dbfs_to_amp(MUSIC_DBFS)
        fade = int(0.3 * SR)
        y[:fade] *= np.linspace(0, 1, fade)
        y[-fade:] *= np.linspace(1, 0, fade)
        return y, src


# --------------------------------------------------------------------------------------------
# Rendering one call
# --------------------------------------------------------------------------------------------
def seeded_uniform(name: str, i: int, lo: float, hi: float) -> float:
    h = int(hashlib.sha256(f"{name}|{i}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return lo + (hi - lo) * h


def r2(x: float) -> float:
    return round(float(x), 2)


def render(call: dict, cfg: dict, tts: TTS, music: Music, call_index: int):
    name = call["name"]
    agent = cfg["agents"][call["agent_id"]]
    cust = cfg["customers"][call["customer_number"]]
    voices = {"agent": call.get("voices", {}).get("agent", agent["voice"]),
              "customer": call.get("voices", {}).get("customer", cust["voice"])}
    levels = {"agent": float(call.get("agent_level_dbfs", cfg["defaults"]["agent_level_dbfs"])),
              "customer": float(call.get("customer_level_dbfs", cfg["defaults"]["customer_level_dbfs"]))}
    direction = call["direction"]
    ring_party = "agent" if direction == "inbound" else "customer"

    events = []  # (party, start, samples) placed on a channel
    transcript, holds, ringback, disconnect = [], [], [], []
    music_src = None

    # ---- ringback
    kind = call["ring"]["kind"]
    on, off, freqs = RING_CYCLE[kind]
    ring_start = 0.4
    t = ring_start
    burst = tone(freqs, on, TONE_DBFS)
    for _ in range(call["ring"]["count"]):
        events.append((ring_party, t, burst))
        ringback.append({"start": r2(t), "end": r2(t + on)})
        t += on + off
    last_ring_end = ringback[-1]["end"]
    cursor = last_ring_end + (1.3 if direction == "inbound" else 1.5)
    first = True
    prev_party = None
    script = call["script"]
    hangup_by = None
    end_kind = None
    for i, step in enumerate(script):
        if "a" in step or "c" in step:
            party = "agent" if "a" in step else "customer"
            text = step["a"] if "a" in step else step["c"]
            y22 = tts.utterance(voices[party], step.get("tts", text), cfg.get("tempo", {}).get(voices[party], 1.0))
            y = telephone(y22)
            y = set_level(y, levels[party])
            if first:
                start = cursor
                first = False
            elif "gap" in step:
                start = cursor + float(step["gap"])
            elif prev_party in ("hold", "dead"):
                start = cursor + 0.4
            elif party == prev_party:
                start = cursor + seeded_uniform(name, i, 0.35, 0.6)
            else:
                start = cursor + seeded_uniform(name, i, 0.55, 1.05)
            start = round(start * SR) / SR
            end = start + len(y) / SR
            events.append((party, start, y))
            transcript.append({"speaker": party, "start": r2(start), "end": r2(end), "text": text})
            cursor = max(cursor, end)
            prev_party = party
        elif "hold" in step:
            dur = float(step["dur"])
            if step["hold"] == "music":
                hs = cursor + 0.6
                y, music_src = music.get(dur, call_index, call_index)
                events.append(("agent", hs, y))
                holds.append({"start": r2(hs), "end": r2(hs + dur), "kind": "music"})
                cursor = hs + dur  # the agent returns shortly after the music stops
                prev_party = "hold"
            else:  # silent hold: both channels carry only noise for `dur` seconds
                holds.append({"start": r2(cursor), "end": r2(cursor + dur), "kind": "silence"})
                cursor = cursor + dur
                prev_party = "hold"
        elif "dead" in step:
            cursor = cursor + float(step["dead"])  # measured into truth.dead_air below
            prev_party = "dead"
        elif "hangup" in step:
            hangup_by = step["hangup"]
            ts = cursor + 0.7
            d_on, d_off, n = DISCONNECT
            for k in range(n):
                events.append((hangup_by, ts + k * (d_on + d_off), tone((450.0,), d_on, TONE_DBFS)))
            te = ts + (n - 1) * (d_on + d_off) + d_on
            disconnect.append({"start": r2(ts), "end": r2(te), "channel": hangup_by})
            cursor = te + 0.3
            end_kind = "hangup"
        elif "end" in step:
            cursor = cursor + 1.5
            end_kind = step["end"]
        else:
            raise ValueError(f"{name}: unknown step {step}")
    total = cursor
    n_total = int(math.ceil(total * SR))

    # a silent hold spans from the last speech before it to the agent's return
    def speech_bounds(t0):
        before = max([u["end"] for u in transcript if u["end"] <= t0 + 1e-6] or [0.0])
        after = min([u["start"] for u in transcript if u["start"] >= t0 - 1e-6] or [total])
        return before, after

    for h in holds:
        if h["kind"] == "silence":
            b, a = speech_bounds(h["start"])
            h["start"], h["end"] = r2(b), r2(a)

    # ---- mix
    chans = {"agent": np.zeros(n_total), "customer": np.zeros(n_total)}
    for party, start, y in events:
        a = int(round(start * SR))
        b = min(n_total, a + len(y))
        chans[party][a:b] += y[: b - a]
    rng = np.random.default_rng(int(hashlib.sha256(name.encode()).hexdigest()[:8], 16))
    for party in chans:
        noise = bandlimit(rng.standard_normal(n_total))
        noise = noise / np.sqrt(np.mean(noise**2)) * dbfs_to_amp(cfg["defaults"]["noise_dbfs"])
        chans[party] += noise
    left, right = (chans["agent"], chans["customer"]) if call["agent_channel"] == "left" else (
        chans["customer"], chans["agent"])
    stereo = np.stack([left, right], axis=1)
    peak = np.max(np.abs(stereo))
    assert peak < 0.99, f"{name}: clipping ({peak:.2f})"

    # ---- truth
    speech = {p: [{"start": u["start"], "end": u["end"]} for u in transcript if u["speaker"] == p]
              for p in ("agent", "customer")}
    # activity on either channel (speech, tones, music) -> both-silent gaps
    act = sorted([(u["start"], u["end"]) for u in transcript] + [(r["start"], r["end"]) for r in ringback]
                 + [(h["start"], h["end"]) for h in holds if h["kind"] == "music"]
                 + [(d["start"], d["end"]) for d in disconnect])
    gaps, cur = [], 0.0
    for s, e in act:
        if s > cur:
            gaps.append((cur, s))
        cur = max(cur, e)
    gaps.append((cur, total))
    dead_air = []
    for s, e in gaps:
        if e - s < DEAD_AIR_REPORT:
            continue
        if any(h["start"] - 0.05 <= s and e <= h["end"] + 0.05 for h in holds):
            continue
        if s == 0.0:
            continue
        dead_air.append({"start": r2(s), "end": r2(e)})
    overlaps = []
    for ua in transcript:
        for ub in transcript:
            if ua["speaker"] == ub["speaker"] or ua["start"] >= ub["start"]:
                continue
            s, e = max(ua["start"], ub["start"]), min(ua["end"], ub["end"])
            if e > s:
                overlaps.append({"start": r2(s), "end": r2(e), "interrupter": ub["speaker"]})

    agent_utts = [u for u in transcript if u["speaker"] == "agent"]
    answer_s = agent_utts[0]["start"]
    agent_ch = chans["agent"]
    seg = np.concatenate([agent_ch[int(u["start"] * SR): int(u["end"] * SR)] for u in agent_utts])
    agent_level = rms_db(seg)
    agent_time = sum(u["end"] - u["start"] for u in agent_utts)
    agent_rate = sum(n_chars(u["text"]) for u in agent_utts) / (agent_time / 60.0)
    rings = call["ring"]["count"] if direction == "inbound" else None
    ring_seconds = r2(answer_s - ring_start)

    truth = {
        "rings": rings,
        "ring_kind": kind,
        "answer_s": answer_s,
        "ringback": ringback,
        "ringback_channel": ring_party,
        "holds": holds,
        "dead_air": dead_air,
        "overlaps": overlaps,
        "hangup_by": hangup_by,
        "disconnect_tone": disconnect,
        "speech": speech,
        "agent_level_dbfs": round(agent_level, 1),
        "agent_speech_rate_cpm": round(agent_rate, 1),
        "end": end_kind,
        "duration_s": r2(n_total / SR),
    }

    sidecar = {"call_id": call["call_id"], "direction": direction, "agent_id": call["agent_id"],
               "agent_channel": call["agent_channel"], "customer_number": call["customer_number"],
               "started_at": call["started_at"]}
    if call.get("sidecar_ring_seconds") and direction == "inbound":
        sidecar["ring_seconds"] = ring_seconds
    if call.get("sidecar_hangup_by") and hangup_by:
        sidecar["hangup_by"] = hangup_by

    expected, why = derive_expected(call, transcript, truth, sidecar)
    declared = set(call.get("violations", []))
    failed = {k for k, v in expected.items() if v == "fail"}
    if declared != failed:
        rates = [(u["speaker"], round(n_chars(u["text"]) / (u["end"] - u["start"]) * 60), u["text"])
                 for u in transcript]
        raise SystemExit(f"{name}: declared violations {sorted(declared)} != derived fails {sorted(failed)}\n"
                         f"{why}\nrate {truth['agent_speech_rate_cpm']} level {truth['agent_level_dbfs']}\n"
                         + "\n".join(map(str, rates)))

    ref = {
        "call_id": call["call_id"],
        "transcript": transcript,
        "truth": truth,
        "expected": expected,
        "voices": {
            p: {"tts": TTS_ENGINE, "speaker": voices[p], "gender": VOICE_GENDER.get(voices[p]),
                "median_f0_hz": median_f0(chans[p], speech[p]), "level_dbfs_target": levels[p]}
            for p in ("agent", "customer")},
        "agent": {"id": call["agent_id"], "name": agent["name"]},
        "customer": {"number": call["customer_number"], "name": cust.get("name"), "note": cust.get("note")},
        "hold_music": music_src,
        "scenario": call["scenario"],
        "violations": [{"rule_id": r, "description": RULE_TEXT[r]} for r in RULE_IDS if r in declared],
    }
    return stereo, sidecar, ref


VOICE_GENDER = {"Aiyue": "female", "biaobei": "female", "Aicheng": "male", "Xiaogang": "male",
                "Aida": "male", "Xiaoyun": "male"}


def median_f0(ch: np.ndarray, spans) -> float | None:
    import librosa

    seg = np.concatenate([ch[int(s["start"] * SR): int(s["end"] * SR)] for s in spans])[: 20 * SR]
    if seg.size < SR:
        return None
    f0 = librosa.yin(seg.astype(np.float32), fmin=60, fmax=400, sr=SR, frame_length=512)
    fr = librosa.feature.rms(y=seg.astype(np.float32), frame_length=512, hop_length=128)[0]
    n = min(len(f0), len(fr))
    voiced = f0[:n][fr[:n] > np.percentile(fr[:n], 60)]
    return round(float(np.median(voiced)), 1) if voiced.size else None


# --------------------------------------------------------------------------------------------
# Expected rule outcomes, derived from the script and the placed audio (STANDARDS.md defaults)
# --------------------------------------------------------------------------------------------
DIG = {"零": 0, "〇": 0, "幺": 1, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
       "七": 7, "八": 8, "九": 9}


def cn_number(s: str) -> int | None:
    """一零八 / 幺零八 -> 108 (digit by digit); 一百零八 / 三百零六 -> 108 / 306 (as a number)."""
    if not s:
        return None
    if any(c in s for c in "百十千"):
        total, num = 0, 0
        for c in s:
            if c in DIG:
                num = DIG[c]
            elif c in "千百十":
                total += (num or (1 if c == "十" else 0)) * {"千": 1000, "百": 100, "十": 10}[c]
                num = 0
        return total + num
    return int("".join(str(DIG[c]) for c in s if c in DIG))


def work_number(text: str) -> int | None:
    m = re.search(r"(?:我是|工号)([零〇幺一二两三四五六七八九十百千]+)号?", text)
    return cn_number(m.group(1)) if m else None


def greeting_for(hour: int) -> str:
    for g, a, b in GREETINGS:
        if a <= hour < b or a <= hour + 24 < b:
            return g
    return "晚上好"


def derive_expected(call, transcript, truth, sidecar):
    inbound = call["direction"] == "inbound"
    agent_utts = [u for u in transcript if u["speaker"] == "agent"]
    first = agent_utts[0]["text"]
    e, why = {}, {}
    # open.*
    e["open.answer_within_3_rings"] = ("pass" if truth["rings"] <= MAX_RINGS else "fail") if inbound else "n/a"
    hour = dt.datetime.fromisoformat(call["started_at"]).hour
    want = greeting_for(hour)
    said = [g for g, _, _ in GREETINGS if g in first]
    e["open.greeting_time_of_day"] = "pass" if said and said[0] == want else "fail"
    why["greeting"] = (want, said)
    e["open.brand_name"] = "pass" if "夜郎印象" in first else "fail"
    wn = work_number(first)
    e["open.agent_id"] = "pass" if wn is not None and wn == int(call["agent_id"]) else "fail"
    why["work_number"] = wn
    e["open.offer_help"] = ("pass" if "有什么可以帮您" in first else "fail") if inbound else "n/a"
    if inbound:
        e["outbound.no_name_first"] = "n/a"
    else:
        questions = [q for u in agent_utts for q in re.findall(r"[^。！？，]*？", u["text"])]
        qn = questions[0] if questions else ""
        e["outbound.no_name_first"] = "fail" if re.search(r"贵姓|怎么称呼|叫什么名字|您的姓名", qn) else "pass"
        why["first_question"] = qn
    # hold.*
    holds = truth["holds"]
    if not holds:
        for r in ("hold.notice", "hold.thanks_after", "hold.max_60s"):
            e[r] = "n/a"
    else:
        ok_notice, ok_thanks = True, True
        for h in holds:
            before = [u for u in agent_utts if u["end"] <= h["start"] + 0.01]
            after = [u for u in agent_utts if u["start"] >= h["end"] - 0.01]
            b = before[-1]["text"] if before else ""
            reason = re.search(r"帮您(查询|查|确认|核实)|查询一下|确认一下", b)
            consent = re.search(r"可以吗|好吗|方便吗", b)
            estimate = re.search(r"大约|分钟|秒", b)
            ok_notice &= bool(reason and consent and estimate)
            a = after[0]["text"] if after else ""
            ok_thanks &= bool(re.search(r"感谢|谢谢|久等|抱歉", a))
        e["hold.notice"] = "pass" if ok_notice else "fail"
        e["hold.thanks_after"] = "pass" if ok_thanks else "fail"
        e["hold.max_60s"] = "fail" if any(h["end"] - h["start"] > HOLD_MAX for h in holds) else "pass"
    e["transfer.consent"] = ("fail" if "transfer.consent" in call.get("violations", []) else "pass") \
        if call.get("transfer") else "n/a"
    e["talk.dead_air"] = "fail" if any(d["end"] - d["start"] > DEAD_AIR_LIMIT for d in truth["dead_air"]) else "pass"
    e["talk.no_interrupt"] = "fail" if any(o["interrupter"] == "agent" and o["end"] - o["start"] >= OVERLAP_LIMIT
                                           for o in truth["overlaps"]) else "pass"
    cpm = truth["agent_speech_rate_cpm"]
    e["talk.speech_rate"] = "pass" if RATE_RANGE[0] <= cpm <= RATE_RANGE[1] else "fail"
    lvl = truth["agent_level_dbfs"]
    e["talk.volume"] = "pass" if VOLUME_RANGE[0] <= lvl <= VOLUME_RANGE[1] else "fail"
    e["talk.banned_phrases"] = "fail" if any(p in u["text"] for u in agent_utts for p in BANNED) else "pass"
    last3 = " ".join(u["text"] for u in agent_utts[-3:])
    e["close.anything_else"] = "pass" if re.search(r"还有(其他|什么)", last3) else "fail"
    e["close.thanks"] = "pass" if re.search(r"(感谢|谢谢)您的(来电|接听)", last3) else "fail"
    hb = sidecar.get("hangup_by") or (truth["disconnect_tone"][0]["channel"] if truth["disconnect_tone"] else None)
    e["close.customer_hangs_up_first"] = "n/a" if hb is None else ("pass" if hb == "customer" else "fail")
    assert list(e) == RULE_IDS or set(e) == set(RULE_IDS)
    return {r: e[r] for r in RULE_IDS}, why


# --------------------------------------------------------------------------------------------
# Writing and verification
# --------------------------------------------------------------------------------------------
def write_audio(path: Path, stereo: np.ndarray, fmt: str):
    _, major, subtype = FORMATS[fmt]
    if fmt == "mp3":
        sf.write(path, stereo, SR, format=major, subtype=subtype, compression_level=0.4,
                 bitrate_mode="CONSTANT")
    else:
        sf.write(path, stereo, SR, format=major, subtype=subtype)


def goertzel_db(x: np.ndarray, f: float) -> float:
    n = len(x)
    if n == 0:
        return -120.0
    t = np.arange(n) / SR
    c = np.abs(np.dot(x, np.exp(-2j * np.pi * f * t))) * 2 / n
    return 20 * math.log10(max(c / math.sqrt(2), 1e-12))


def verify(path: Path, ref: dict, sidecar: dict) -> dict:
    y, sr = sf.read(path, dtype="float64", always_2d=True)
    assert sr == SR and y.shape[1] == 2, (sr, y.shape)
    dur = len(y) / sr
    ch = {"agent": y[:, 0] if sidecar["agent_channel"] == "left" else y[:, 1]}
    ch["customer"] = y[:, 1] if sidecar["agent_channel"] == "left" else y[:, 0]
    tr = ref["truth"]

    def cut(c, s, e):
        return ch[c][int(s * SR): int(e * SR)]

    out = {"duration_s": round(dur, 2), "ok": True, "problems": []}
    if not 45 <= dur <= 120:
        out["problems"].append(f"duration {dur:.1f}")
    lv = rms_db(np.concatenate([cut("agent", s["start"], s["end"]) for s in tr["speech"]["agent"]]))
    lc = rms_db(np.concatenate([cut("customer", s["start"], s["end"]) for s in tr["speech"]["customer"]]))
    out["agent_level_dbfs"], out["customer_level_dbfs"] = round(lv, 1), round(lc, 1)
    if abs(lv - tr["agent_level_dbfs"]) > 1.0:
        out["problems"].append(f"agent level {lv:.1f} vs ref {tr['agent_level_dbfs']}")
    # ringback on the declared channel, silent on the other
    f_ring = 450.0 if tr["ring_kind"] == "cn" else 440.0
    rc = tr["ringback_channel"]
    other = "customer" if rc == "agent" else "agent"
    for r in tr["ringback"]:
        a = goertzel_db(cut(rc, r["start"] + 0.05, r["end"] - 0.05), f_ring)
        b = rms_db(cut(other, r["start"], r["end"]))
        if a < -30 or b > -50:
            out["problems"].append(f"ringback {r} tone {a:.1f} other {b:.1f}")
    for d in tr["disconnect_tone"]:
        a = goertzel_db(cut(d["channel"], d["start"] + 0.05, d["start"] + 0.30), 450.0)
        if a < -30:
            out["problems"].append(f"disconnect {d} tone {a:.1f}")
        tail = y[int((d["end"]) * SR):]
        if len(tail) > 0.6 * SR:
            out["problems"].append("audio continues after the disconnect tone")
    for h in tr["holds"]:
        ag = rms_db(cut("agent", h["start"] + 0.5, h["end"] - 0.5))
        cu = rms_db(cut("customer", h["start"] + 0.5, h["end"] - 0.5))
        if cu > -50 or (h["kind"] == "music" and ag < -35) or (h["kind"] == "silence" and ag > -50):
            out["problems"].append(f"hold {h} agent {ag:.1f} customer {cu:.1f}")
    for dd in tr["dead_air"]:
        for c in ("agent", "customer"):
            if rms_db(cut(c, dd["start"] + 0.2, dd["end"] - 0.2)) > -50:
                out["problems"].append(f"dead air {dd} not silent on {c}")
    out["ok"] = not out["problems"]
    return out


def summary(expected: dict) -> dict:
    s = {"pass": 0, "fail": 0, "n/a": 0}
    for v in expected.values():
        s[v] += 1
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", type=Path, default=HERE / "scenarios.yaml")
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--cache", type=Path, default=REPO / ".cache" / "tts")
    ap.add_argument("--moh-dir", type=Path, default=Path(os.environ.get(
        "MOH_DIR", "/usr/share/asterisk/moh" if Path("/usr/share/asterisk/moh").is_dir()
        else "/tmp/moh/usr/share/asterisk/moh")),
        help="directory with the asterisk-moh-opsound-wav WAV files (fallback: synthesised tune)")
    ap.add_argument("--only", nargs="*", help="render only these call names")
    ap.add_argument("--verify-only", action="store_true")
    args = ap.parse_args(argv)

    cfg = yaml.safe_load(args.scenarios.read_text(encoding="utf-8"))
    tts = TTS(args.cache)
    music = Music(args.moh_dir)
    if not music.files:
        log(f"warning: no hold music in {args.moh_dir}; using the synthesised fallback tune")
    manifest_path = args.out / "manifest.json"
    manifest = {}
    if manifest_path.exists():
        for m in json.loads(manifest_path.read_text(encoding="utf-8")).get("calls", []):
            manifest[m["name"]] = m
    names = [c["name"] for c in cfg["calls"]]
    bad = False
    for idx, call in enumerate(cfg["calls"]):
        if args.only and call["name"] not in args.only:
            continue
        ext = FORMATS[call["format"]][0]
        audio_path = args.out / f"{call['name']}.{ext}"
        if not args.verify_only:
            log(f"== {call['name']}")
            stereo, sidecar, ref = render(call, cfg, tts, music, idx)
            write_audio(audio_path, stereo, call["format"])
            (args.out / f"{call['name']}.json").write_text(
                json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            (args.out / f"{call['name']}.ref.json").write_text(
                json.dumps(ref, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        sidecar = json.loads((args.out / f"{call['name']}.json").read_text(encoding="utf-8"))
        ref = json.loads((args.out / f"{call['name']}.ref.json").read_text(encoding="utf-8"))
        v = verify(audio_path, ref, sidecar)
        bad |= not v["ok"]
        log(f"   {audio_path.name}: {v}")
        info = sf.info(audio_path)
        manifest[call["name"]] = {
            "name": call["name"], "call_id": call["call_id"], "file": audio_path.name,
            "sidecar": f"{call['name']}.json", "ref": f"{call['name']}.ref.json",
            "format": call["format"], "container": info.format, "subtype": info.subtype,
            "sample_rate": info.samplerate, "channels": info.channels,
            "duration_s": v["duration_s"], "size_bytes": audio_path.stat().st_size,
            "direction": call["direction"], "agent_id": call["agent_id"],
            "agent_channel": call["agent_channel"], "customer_number": call["customer_number"],
            "started_at": call["started_at"],
            "voices": {p: ref["voices"][p]["speaker"] for p in ("agent", "customer")},
            "compliant": not ref["violations"],
            "violations": [x["rule_id"] for x in ref["violations"]],
            "expected_summary": summary(ref["expected"]),
            "verified": v["ok"],
        }
    calls = [manifest[n] for n in names if n in manifest]
    manifest_path.write_text(json.dumps({
        "description": "Synthetic Mandarin call-center demo recordings for 夜郎印象连锁酒店 (see README.md)",
        "generator": "audio_samples/generate.py", "scenarios": "audio_samples/scenarios.yaml",
        "rule_ids": RULE_IDS, "calls": calls}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    log(f"audio_samples/ total size: {total / 1e6:.2f} MB")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
