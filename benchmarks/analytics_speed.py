"""Real-time factor of the audio analytics alone (decoding excluded).

Runs ``analyze_audio`` on every demo call in audio_samples/ (or, when there are none, on generated
calls) and prints per-call and overall RTF = analysis seconds / audio seconds. Target: <= 0.01 on
the 2-core machine. The first call is run twice so model loading and imports are not counted.

    PYTHONPATH=. .venv/bin/python benchmarks/analytics_speed.py [--target 0.01]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_engine.analytics import analyze_audio  # noqa: E402
from qa_engine.audio import decode_audio, split_roles  # noqa: E402
from qa_engine.callrecord import CallRecord, load_call_record  # noqa: E402
from qa_engine.config import Settings  # noqa: E402

AUDIO_EXT = {".wav", ".mp3", ".m4a", ".flac", ".ogg"}


def demo_calls(folder: Path, settings: Settings):
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in AUDIO_EXT and path.with_suffix(".json").exists():
            record = load_call_record(path, settings)
            yield path.name, split_roles(decode_audio(path, settings), record.agent_channel, path), record


def synthetic_calls():
    from tests.analytics.synth import Call

    for i, seconds in enumerate((60.0, 90.0, 120.0)):
        c = Call(seconds, seed=i)
        c.ringback("agent", 0.4, 2)
        t = 6.5
        while t < seconds - 25:
            c.say("agent", t, 5.0)
            c.say("customer", t + 5.6, 4.0)
            t += 10.5
        c.music("agent", t, 12.0)
        c.say("agent", t + 12.5, 4.0)
        c.busy("customer", t + 17.5, 5)
        yield f"synthetic-{seconds:.0f}s", c.roles(), CallRecord(call_id=f"S{i}", direction="inbound", agent_channel="left")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=ROOT / "audio_samples")
    parser.add_argument("--target", type=float, default=0.01)
    args = parser.parse_args()
    settings = Settings()
    calls = list(demo_calls(args.samples, settings)) if args.samples.is_dir() else []
    source = "demo calls" if calls else "synthetic calls (no demo calls found)"
    calls = calls or list(synthetic_calls())
    analyze_audio(calls[0][1], calls[0][2])  # warm-up: imports and the VAD model
    total_audio = total_time = 0.0
    print(f"analytics RTF on {len(calls)} {source}")
    for name, roles, record in calls:
        seconds = (roles.agent if roles.mono is None else roles.mono).size / roles.sample_rate
        t0 = time.perf_counter()
        analyze_audio(roles, record)
        elapsed = time.perf_counter() - t0
        total_audio += seconds
        total_time += elapsed
        print(f"  {name:40s} {seconds:7.1f} s audio  {elapsed:6.3f} s  RTF {elapsed / seconds:.4f}")
    rtf = total_time / total_audio
    print(f"overall RTF {rtf:.4f} (target <= {args.target}) -> {'OK' if rtf <= args.target else 'TOO SLOW'}")
    return 0 if rtf <= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
