#!/usr/bin/env python3
"""Render the call-openings corpus (benchmarks/openings/scenarios.yaml).

About 60 short inbound calls (ringback, the agent's opening, one customer line, the agent's next
line) to measure the opening rules (open.greeting_time_of_day, open.brand_name, open.agent_id,
open.offer_help, open.answer_within_3_rings) against audio. The speech, telephone band, ringback,
levels, formats and sidecars come from the demo generator (audio_samples/generate.py) through the
dev-corpus generator (benchmarks/devcorpus/generate.py: whole-utterance TTS with ``|`` pauses,
speed, noise, 16 kHz, mono); nothing is re-implemented here.

Labels are the script author's: an opening rule fails exactly when the scenario lists it in
``violations`` (every call is inbound, so all five rules apply); open.answer_within_3_rings is
cross-checked against the ring count. For each call <name> the output folder gets
<name>.<wav|mp3> (audio), <name>.json (call-record sidecar), <name>.ref.json (placed transcript and
measured truth) and <name>.labels.json (expected outcome per opening rule, reference text of each
turn); index.json lists every call and the counts per label.

The folder is ``benchmarks/openings/calls/<key>/`` (gitignored), the key a hash of the scenarios and
the three generators, so an edit renders a new folder beside the old one.

    .venv-tts/bin/python benchmarks/openings/generate.py            # prints the output folder
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEVCORPUS = REPO / "benchmarks" / "devcorpus" / "generate.py"
_spec = importlib.util.spec_from_file_location("devcorpus_generate", DEVCORPUS)
dc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dc)  # imports audio_samples/generate.py as `generate`
g = dc.g

OPENING_RULES = [
    "open.answer_within_3_rings",
    "open.greeting_time_of_day",
    "open.brand_name",
    "open.agent_id",
    "open.offer_help",
]
MIN_S_PER_CHAR = 0.08  # rendered turn length per character below which the TTS lost the line
# Salutation windows of STANDARDS.md (information only; the labels come from `violations`).
WINDOWS = [("早上好", 5, 11), ("中午好", 11, 13), ("下午好", 13, 18), ("晚上好", 18, 29)]
# Voices that neither earlier generator lists (gender by ear / median F0 of a test phrase).
g.VOICE_GENDER.update({v: "female" for v in (
    "Aibao", "Aitong", "Aiwei", "Xiaobei", "Xiaomei", "Xiaomeng", "Yina")})


def corpus_key(scenarios: Path) -> str:
    h = hashlib.sha256()
    for p in (scenarios, Path(__file__), DEVCORPUS, REPO / "audio_samples" / "generate.py"):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def expected_salutation(started_at: str) -> str:
    hour = dt.datetime.fromisoformat(started_at).hour
    for word, a, b in WINDOWS:
        if a <= hour < b or a <= hour + 24 < b:
            return word
    return "晚上好"


def check(cfg: dict) -> None:
    """Stop on scenario mistakes (not on label choices: those are the author's)."""
    names, ids, problems = set(), set(), []
    for call in cfg["calls"]:
        n = call["name"]
        if n in names or call["call_id"] in ids:
            problems.append(f"{n}: duplicate name or call_id")
        names.add(n)
        ids.add(call["call_id"])
        agent = cfg["agents"].get(call["agent_id"])
        cust = cfg["customers"].get(call["customer_number"])
        if agent is None or cust is None:
            problems.append(f"{n}: unknown agent or customer")
            continue
        if agent["voice"] == cust["voice"]:
            problems.append(f"{n}: agent and customer share the voice {agent['voice']}")
        bad = set(call["violations"]) - set(OPENING_RULES)
        if bad:
            problems.append(f"{n}: not an opening rule: {sorted(bad)}")
        late = call["rings"] > g.MAX_RINGS
        if late != ("open.answer_within_3_rings" in call["violations"]):
            problems.append(f"{n}: {call['rings']} rings disagree with the declared violations")
        parties = [next(iter(k for k in s if k in "ac")) for s in call["script"]]
        if "a" not in parties or "c" not in parties:
            problems.append(f"{n}: needs agent and customer lines")
        if n.endswith("_ok") == bool(call["violations"]):
            problems.append(f"{n}: name suffix _ok disagrees with the violations")
        if call["format"] not in g.FORMATS:
            problems.append(f"{n}: unknown format {call['format']}")
    if problems:
        raise SystemExit("\n".join(problems))


def completed(raw: dict) -> dict:
    """A scenario with the fields the demo renderer expects."""
    call = dict(raw)
    call.setdefault("direction", "inbound")
    call.setdefault("agent_channel", "left")
    call["ring"] = {"kind": "cn", "count": int(call["rings"])}
    call["script"] = list(call["script"]) + [{"end": "excerpt"}]
    return call


def author_labels(call, transcript, truth, sidecar):
    """Replaces the demo generator's derive_expected: the opening rules only, as declared."""
    declared = set(call["violations"])
    return {r: ("fail" if r in declared else "pass") for r in OPENING_RULES}, {}


def labels_doc(raw: dict, call: dict, sidecar: dict, ref: dict, audio: Path) -> dict:
    tr = ref["truth"]
    return {
        "call_id": call["call_id"],
        "name": call["name"],
        "file": audio.name,
        "sidecar": f"{call['name']}.json",
        "direction": call["direction"],
        "agent_id": call["agent_id"],
        "started_at": call["started_at"],
        "expected_salutation": expected_salutation(call["started_at"]),
        "rings": tr["rings"],
        "answer_s": tr["answer_s"],
        "ring_seconds_in_record": sidecar.get("ring_seconds"),
        "labels": ref["expected"],
        "violations": sorted(set(raw["violations"])),
        "compliant": not raw["violations"],
        "scenario": call["scenario"],
        "turns": [{"speaker": u["speaker"], "start": u["start"], "end": u["end"], "text": u["text"],
                   "spoken": s.get("a", s.get("c"))}
                  for u, s in zip(ref["transcript"], [s for s in raw["script"] if "a" in s or "c" in s])],
        "voices": {p: ref["voices"][p]["speaker"] for p in ("agent", "customer")},
        "recording": ref["recording"],
        "duration_s": tr["duration_s"],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", type=Path, default=HERE / "scenarios.yaml")
    ap.add_argument("--out", type=Path, help="output folder (default: calls/<key of scenarios+generators>)")
    ap.add_argument("--cache", type=Path, default=REPO / ".cache" / "tts")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--check-only", action="store_true", help="validate the scenarios and stop")
    args = ap.parse_args(argv)
    cfg = yaml.safe_load(args.scenarios.read_text(encoding="utf-8"))
    check(cfg)
    if args.check_only:
        print(f"{len(cfg['calls'])} calls ok")
        return 0
    out = args.out or HERE / "calls" / corpus_key(args.scenarios)
    out.mkdir(parents=True, exist_ok=True)
    g.derive_expected = author_labels
    tts, music = dc.WholeTurnTTS(args.cache), g.Music(None)
    index, t0 = [], time.time()
    for idx, raw in enumerate(cfg["calls"]):
        if args.only and raw["name"] not in args.only:
            continue
        g.log(f"== {raw['name']}")
        call, call_cfg = dc.prepared(completed(raw), cfg)
        stereo, sidecar, ref = g.render(call, call_cfg, tts, music, idx)
        ref["expected"] = {r: ref["expected"][r] for r in OPENING_RULES}
        for u in ref["transcript"]:  # a voice that drops a line would make the labels wrong
            per_char = (u["end"] - u["start"]) / max(g.n_chars(u["text"]), 1)
            if not MIN_S_PER_CHAR <= per_char:
                raise SystemExit(f"{raw['name']}: TTS dropped {u['speaker']} {u['text']!r} "
                                 f"({per_char:.3f} s/char); give the line another voice or wording")
        audio = dc.write(call, stereo, sidecar, ref, out)
        doc = labels_doc(raw, call, sidecar, ref, audio)
        (out / f"{call['name']}.labels.json").write_text(
            json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        index.append({k: doc[k] for k in ("call_id", "name", "file", "agent_id", "started_at", "rings",
                                          "labels", "violations", "duration_s")})
        g.log(f"   {audio.name}: {doc['duration_s']} s, violations {doc['violations']}")
    counts = {r: dict(Counter(c["labels"][r] for c in index)) for r in OPENING_RULES}
    (out / "index.json").write_text(json.dumps({
        "description": "Call openings of 夜郎印象连锁酒店 (benchmarks/openings/README.md)",
        "rules": OPENING_RULES, "counts": counts,
        "compliant": sum(not c["violations"] for c in index), "calls": index,
        "render_seconds": round(time.time() - t0, 1)}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
