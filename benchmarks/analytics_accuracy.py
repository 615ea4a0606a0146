"""Hold and dead-air accuracy of the audio analytics against the reference truth.

For every call with a ``<name>.ref.json`` in the corpora (default: audio_samples/ and
benchmarks/devcorpus/calls/6d26d8d5ee6a/) the script runs ``analyze_audio`` twice:

* stereo: each role's channel on its own, speech from the analytics' VAD;
* mono: the two channels summed in memory (what a one-channel recording holds; a recording that
  is mono already is measured as it is, in this layout only), with the
  reference's per-role speech (``truth.speech``) standing in for the diarization, so the figures
  measure the hold detector and not the speaker attribution;
* mono-vad: the same mix without speaker labels (the analytics' VAD speech only, as when no
  diarization is available): music holds must still be found, silent holds need the roles.

Announced silences are settled as the pipeline does (``settle_silences``), with the agent's turns of
the reference transcript checked against the rule set's hold lists (``RuleSet.asks_to_wait``). Per
reference hold (``truth.holds``) it prints the detected hold that overlaps it most, the start and end
errors and whether both ends are within ``--tol`` seconds; then, per layout, the share of holds
found within the tolerance, the seconds of dead air reported inside reference holds (announced
holds must have none), detected holds that match no reference hold, and reference dead air
(``truth.dead_air``) found.

    python benchmarks/analytics_accuracy.py [--corpus DIR ...] [--only call01 ...] [--tol 1.0]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa_engine.analytics import analyze_audio, settle_silences  # noqa: E402
from qa_engine.analytics.params import DEFAULT_PARAMS  # noqa: E402
from qa_engine.analytics.spans import intersect, total  # noqa: E402
from qa_engine.audio import decode_audio, split_roles  # noqa: E402
from qa_engine.callrecord import load_call_record  # noqa: E402
from qa_engine.config import Settings  # noqa: E402
from qa_engine.rules import load_ruleset  # noqa: E402
from qa_engine.types import RoleAudio, Span  # noqa: E402

CORPORA = (ROOT / "audio_samples", ROOT / "benchmarks" / "devcorpus" / "calls" / "6d26d8d5ee6a")


@dataclass
class Tally:
    """One layout's (stereo or mono) totals over the corpus."""

    holds: int = 0
    within: int = 0
    dead_air_in_holds_s: float = 0.0
    false_holds: list[str] = field(default_factory=list)
    dead_air_truth: int = 0
    dead_air_found: int = 0


def recording(ref: Path) -> Path:
    name = ref.name.removesuffix(".ref.json")
    return next(p for p in sorted(ref.parent.glob(f"{name}.*")) if p.suffix in (".wav", ".mp3"))


def spans(items: list[dict]) -> list[Span]:
    return [Span(start=s["start"], end=s["end"]) for s in items]


def measure(roles: RoleAudio, record, ref: dict, ruleset, speech=None):
    """Holds and dead air as the pipeline reports them, the reference transcript as the text."""
    m = analyze_audio(roles, record, speech=speech)
    turns = [(Span(start=u["start"], end=u["end"]), ruleset.asks_to_wait(u["text"]))
             for u in ref["transcript"] if u["speaker"] == "agent"]
    return settle_silences(m.holds, m.dead_air, turns, DEFAULT_PARAMS)


def score(name: str, layout: str, holds, dead_air, truth: dict, tally: Tally, tol: float) -> None:
    """Print one line per reference hold and add the call to ``tally``."""
    for t in truth["holds"]:
        tally.holds += 1
        best = max(holds, key=lambda h: total(intersect([h], [Span(**{k: t[k] for k in ("start", "end")})])),
                   default=None)
        if best is None or best.end <= t["start"] or best.start >= t["end"]:
            print(f"  {layout:8} {name[:34]:34} {t['kind']:7} {t['start']:7.2f}-{t['end']:7.2f}  not found")
            continue
        ds, de = best.start - t["start"], best.end - t["end"]
        ok = abs(ds) <= tol and abs(de) <= tol
        tally.within += ok
        print(f"  {layout:8} {name[:34]:34} {t['kind']:7} {t['start']:7.2f}-{t['end']:7.2f}  found {best.kind:7} "
              f"{best.start:7.2f}-{best.end:7.2f}  start {ds:+6.2f} end {de:+6.2f}  {'ok' if ok else 'MISS'}")
    truth_holds = spans(truth["holds"])
    inside = total(intersect(dead_air, truth_holds))
    tally.dead_air_in_holds_s += inside
    if inside:
        print(f"  {layout:8} {name[:34]:34} dead air inside a hold: {inside:.2f} s")
    for h in holds:
        if not intersect([h], truth_holds):
            tally.false_holds.append(f"{name} {h.kind} {h.start:.2f}-{h.end:.2f}")
    for d in spans(truth["dead_air"]):
        tally.dead_air_truth += 1
        tally.dead_air_found += any(abs(x.start - d.start) <= tol and abs(x.end - d.end) <= tol for x in dead_air)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", nargs="*", type=Path, default=list(CORPORA))
    ap.add_argument("--only", nargs="*", default=None, help="name prefixes")
    ap.add_argument("--tol", type=float, default=1.0, help="seconds allowed at each end of a hold")
    args = ap.parse_args()

    settings = Settings()
    ruleset = load_ruleset(settings.rules_dir)
    tallies = {"stereo": Tally(), "mono": Tally(), "mono-vad": Tally()}
    for corpus in args.corpus:
        for ref_path in sorted(corpus.glob("*.ref.json")):
            name = ref_path.name.removesuffix(".ref.json")
            if args.only and not any(name.startswith(p) for p in args.only):
                continue
            ref = json.loads(ref_path.read_text(encoding="utf-8"))
            path = recording(ref_path)
            record = load_call_record(path, settings)
            roles = split_roles(decode_audio(path, settings), record.agent_channel, path)
            truth = ref["truth"]
            if roles.mono is None:
                holds, dead_air = measure(roles, record, ref, ruleset)
                score(name, "stereo", holds, dead_air, truth, tallies["stereo"], args.tol)
                mono = RoleAudio(sample_rate=roles.sample_rate, mono=(roles.agent + roles.customer).astype(np.float32))
            else:  # a one-channel recording: measured as it is
                mono = roles
            speech = {r: spans(truth["speech"][r]) for r in ("agent", "customer")}
            holds, dead_air = measure(mono, record, ref, ruleset, speech=speech)
            score(name, "mono", holds, dead_air, truth, tallies["mono"], args.tol)
            holds, dead_air = measure(mono, record, ref, ruleset)
            score(name, "mono-vad", holds, dead_air, truth, tallies["mono-vad"], args.tol)

    print()
    for layout, t in tallies.items():
        share = t.within / t.holds if t.holds else float("nan")
        print(f"{layout:8}: holds within {args.tol:g} s at both ends {t.within}/{t.holds} ({share:.0%}); "
              f"dead air inside holds {t.dead_air_in_holds_s:.2f} s; false holds {len(t.false_holds)}; "
              f"reference dead air found {t.dead_air_found}/{t.dead_air_truth}")
        for f in t.false_holds:
            print(f"          false hold: {f}")


if __name__ == "__main__":
    main()
