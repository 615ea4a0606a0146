"""Hold and dead-air accuracy of the audio analytics against the reference truth.

For every call with a ``<name>.ref.json`` in the corpora (default: audio_samples/ and every rendered
dev script set, see benchmarks/corpora.py) the script runs ``analyze_audio`` twice:

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
(``truth.dead_air``) found. Generated calls follow (``--no-generated`` leaves them out): hold
music with slow fades and a quiet intro, which the corpora's tracks (asterisk-moh from 5 s in,
0.3 s fades) do not have; they need the test extra (pytest-audioeval's speech clips).

    python benchmarks/analytics_accuracy.py [--corpus DIR ...] [--only call01 ...] [--tol 1.0] [--no-generated]
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
from qa_engine.callrecord import CallRecord, load_call_record  # noqa: E402
from qa_engine.config import Settings  # noqa: E402
from qa_engine.rules import load_ruleset  # noqa: E402
from qa_engine.types import RoleAudio, Span  # noqa: E402
from corpora import DEMO, dev_corpora  # noqa: E402  (benchmarks/corpora.py)

CORPORA = (DEMO, *dev_corpora())


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


def agent_turns(transcript: list[dict], ruleset) -> list[tuple[Span, bool]]:
    """The reference transcript's agent turns, each with whether it asks the customer to wait."""
    return [(Span(start=u["start"], end=u["end"]), ruleset.asks_to_wait(u["text"]))
            for u in transcript if u["speaker"] == "agent"]


def measure(roles: RoleAudio, record, turns: list[tuple[Span, bool]], speech=None):
    """Holds and dead air as the pipeline reports them, ``turns`` standing in for the transcript."""
    m = analyze_audio(roles, record, speech=speech)
    return settle_silences(m.holds, m.dead_air, turns, DEFAULT_PARAMS)


def measure_call(name: str, roles: RoleAudio, record, truth: dict, turns, tallies: dict[str, Tally], tol: float) -> None:
    """Score one call in every layout: stereo (when it has two channels), mono with and without labels."""
    if roles.mono is None:
        score(name, "stereo", *measure(roles, record, turns), truth, tallies["stereo"], tol)
        mono = RoleAudio(sample_rate=roles.sample_rate, mono=(roles.agent + roles.customer).astype(np.float32))
    else:  # a one-channel recording: measured as it is
        mono = roles
    speech = {r: spans(truth["speech"][r]) for r in ("agent", "customer")}
    score(name, "mono", *measure(mono, record, turns, speech=speech), truth, tallies["mono"], tol)
    score(name, "mono-vad", *measure(mono, record, turns), truth, tallies["mono-vad"], tol)


def generated_calls():
    """Calls generated as the analytics tests do (tests/analytics/synth.py): a synthetic tune as hold
    music (-30 dBFS), with 0.3 s fades, faded in and out over 3 s from the line's noise level, or
    with a 6 s intro 3 dB above the line's noise (about the level of the mono mix's noise, which
    sums both channels'), on a quiet (-60 dBFS) and a noisy (-50 dBFS) line. The truth hold is the
    placed music (audible from its first sample); the speech is the placed turns."""
    from tests.analytics.synth import Call, fade, music

    for noise in (-60.0, -50.0):
        for shape in ("plain", "fade3s", "intro6s"):
            tune = music(25.0, dbfs=-30.0)
            if shape == "intro6s":
                tune[: 6 * 16000] *= 10 ** ((noise + 3.0 + 30.0) / 20)
            tune = fade(tune, *((0.3, 0.3, 40.0) if shape != "fade3s" else (3.0, 3.0, -30.0 - noise)))
            c = Call(60.0, noise_dbfs=noise)
            c.say("agent", 2.0, 5.0)
            c.say("customer", 7.6, 3.0)
            c.say("agent", 11.0, 4.0)  # 请稍等
            start, end = c.put("agent", 15.5, tune)
            c.say("agent", end + 0.5, 4.0)
            c.say("customer", end + 5.0, 3.0)
            truth = {"holds": [{"start": start, "end": end, "kind": "music"}], "dead_air": [],
                     "speech": {r: [{"start": a, "end": b} for a, b in v] for r, v in c.truth.items()}}
            yield f"gen_{shape}_noise{int(noise)}", c.roles(), truth


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
    ap.add_argument("--no-generated", dest="generated", action="store_false", help="corpora only")
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
            measure_call(name, roles, record, ref["truth"], agent_turns(ref["transcript"], ruleset), tallies, args.tol)
    if args.generated:
        record = CallRecord(call_id="generated", direction="inbound", agent_channel="left")
        for name, roles, truth in generated_calls():
            measure_call(name, roles, record, truth, [], tallies, args.tol)

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
