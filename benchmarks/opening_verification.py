"""Opening rules checked on the transcript alone and with the audio check (qa_engine/verify.py).

For every recording with a ``.ref.json`` in the corpora (the demo calls, the dev corpus, the
openings corpus) this runs the pipeline once, then judges the opening rules twice on the
same transcript: text only, and with the audio verifier (the closing thanks, close.thanks, is
checked on the audio the same way and reported with them). It prints per rule a confusion table
against the human labels (compliant openings that pass / fail, non-compliant ones that fail /
pass), side by side.

Counterfactual records add non-compliant openings from compliant audio: the same call judged
against a call record naming a near work number (one digit changed) or a far one, or a start
time in another greeting window. The audio then says something other than the record expects,
exactly as when an agent says the wrong number, so these must fail.

The log-likelihood margins (expected minus best rival) of every audio check are printed too:
``verify_margin`` (Settings) is chosen between the two distributions.

    PYTHONPATH=. .venv/bin/python benchmarks/opening_verification.py [--corpus DIR ...] [--margin M]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from qa_engine.asr.model import load_model
from qa_engine.audio import decode_audio, split_roles
from qa_engine.callrecord import load_call_record, local_start
from qa_engine.config import Settings
from qa_engine.pipeline import analyze_call
from qa_engine.rules import CallContext, evaluate, load_ruleset
from qa_engine.types import CallAnalysis
from qa_engine.verify import call_verifier

from corpora import DEMO, dev_corpora, opening_corpora  # benchmarks/corpora.py

RULES = ("open.greeting_time_of_day", "open.brand_name", "open.agent_id", "open.offer_help", "close.thanks",
         "hold.thanks_after")
# Agent turns per call asked whether they thank for waiting although the reference says they do not
# (hold.thanks_after's audio check must not hear thanks that were never said).
PROBES_PER_CALL = 4
AUDIO = (".wav", ".mp3", ".m4a", ".flac", ".ogg")


def default_corpora() -> list[Path]:
    return [DEMO, *dev_corpora(), *opening_corpora()]


def recording(ref: Path) -> Path:
    stem = ref.name[: -len(".ref.json")]
    return next(p for p in ref.parent.glob(stem + ".*") if p.suffix in AUDIO)


def near(number: str, k: int) -> str:
    """The number with digit k changed (to 1, or to 4 where it is 1): 108 → 101, 118."""
    return number[:k] + ("1" if number[k] != "1" else "4") + number[k + 1:]


def far(number: str) -> str:
    return "".join(str((int(d) + 5) % 10) for d in number)


def variants(record, labels: dict) -> list[tuple[str, object, dict]]:
    """(kind, record, expected outcome per rule): the real record and counterfactual ones."""
    out = [("real", record, labels)]
    if record.agent_id and labels.get("open.agent_id") == "pass":
        n = len(record.agent_id)
        numbers = {near(record.agent_id, n - 1): "near number (last digit)",
                   near(record.agent_id, n // 2): "near number (middle digit)", far(record.agent_id): "far number"}
        for number, kind in numbers.items():
            out.append((kind, record.model_copy(update={"agent_id": number}), {"open.agent_id": "fail"}))
    if record.started_at and labels.get("open.greeting_time_of_day") == "pass":
        # a morning call judged as if it began in the afternoon, any other as if in the morning
        hour = 15 if 5 <= record.started_at.hour < 11 else 9
        shifted = record.started_at.replace(hour=hour)
        out.append(("other time", record.model_copy(update={"started_at": shifted}),
                    {"open.greeting_time_of_day": "fail"}))
    return out


def judge(ruleset, analysis, record, settings, verifier) -> dict[str, str]:
    ctx = CallContext(transcript=analysis.transcript, metrics=analysis.metrics, record=record,
                      local_start=local_start(record, settings.timezone), verifier=verifier)
    return {f.rule_id: f.outcome for f in evaluate(ruleset, ctx) if f.rule_id in RULES}


# ttskit voices documented as producing babble (shared/spec/MODELS_AND_DATA.md): their calls are
# reported apart, as no transcriber or checker can be judged on them.
BABBLE = {"Xiaomei", "Xiaowei", "Yina"}
PART_RULE = {"greeting": "open.greeting_time_of_day", "brand": "open.brand_name", "work_number": "open.agent_id",
             "offer_help": "open.offer_help", "thanks": "close.thanks", "hold_thanks": "hold.thanks_after"}


@dataclass
class Tally:
    tables: dict[str, dict[tuple[str, str], Counter]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))
    deltas: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rows: list[dict] = field(default_factory=list)
    answer_errors: list[tuple[float, float]] = field(default_factory=list)
    thanks_probes: Counter = field(default_factory=Counter)  # verified / not, on turns without thanks
    pipeline_s: float = 0.0
    verify_s: float = 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append")
    ap.add_argument("--margin", type=float, default=None, help="override Settings.verify_margin")
    ap.add_argument("--json", type=Path, help="write per-call rows here")
    ap.add_argument("--analyses", type=Path, help="keep each call's CallAnalysis JSON (<name>.json) in this "
                    "folder and reuse it on the next run instead of running the pipeline (calibrating the margin)")
    args = ap.parse_args(argv)
    settings = Settings() if args.margin is None else Settings(verify_margin=args.margin)
    model, ruleset = load_model(settings), load_ruleset(settings.rules_dir)
    tally = Tally()
    if args.analyses:
        args.analyses.mkdir(parents=True, exist_ok=True)
    for corpus in args.corpus or default_corpora():
        for ref_path in sorted(corpus.glob("*.ref.json")):
            run_call(ref_path, args.analyses, settings, model, ruleset, tally)
    for name, table in tally.tables.items():
        report(name, table, tally.pipeline_s, tally.verify_s, settings)
    report_deltas(tally.deltas)
    report_answers([e for e in tally.answer_errors if e is not None])
    probes = tally.thanks_probes
    print(f"\nthanks for waiting asked of {sum(probes.values())} agent turns whose reference has none: "
          f"{probes[True]} verified (false passes), {probes[False]} not")
    if args.json:
        args.json.write_text(json.dumps(tally.rows, ensure_ascii=False, indent=1))
    return 0


def analysis_of(audio: Path, cache: Path | None, settings, model, ruleset, tally: Tally) -> CallAnalysis:
    cached = cache / f"{audio.stem}.json" if cache else None
    if cached and cached.exists():
        return CallAnalysis.model_validate_json(cached.read_text())
    t0 = time.perf_counter()
    analysis = analyze_call(audio, settings, model=model, ruleset=ruleset)
    tally.pipeline_s += time.perf_counter() - t0
    if cached:
        cached.write_text(analysis.model_dump_json())
    return analysis


def run_call(ref_path: Path, cache: Path | None, settings, model, ruleset, tally: Tally) -> None:
    """Judge one call's opening text-only and verified, for its real record and the counterfactual ones."""
    ref, audio = json.loads(ref_path.read_text()), recording(ref_path)
    analysis = analysis_of(audio, cache, settings, model, ruleset, tally)
    record = load_call_record(audio, settings)
    tally.answer_errors.append(answer_error(analysis, ref["truth"]))
    roles = split_roles(decode_audio(audio, settings), record.agent_channel, audio)
    voice = ref.get("voices", {}).get("agent", {}).get("speaker")
    tables = ["all calls"] + ([] if voice in BABBLE else ["without the babbling TTS voices"])
    for kind, rec, expected in variants(record, {r: ref["expected"].get(r) for r in RULES}):
        text = judge(ruleset, analysis, rec, settings, None)
        verifier = call_verifier(model, roles, settings)
        t1 = time.perf_counter()
        verified = judge(ruleset, analysis, rec, settings, verifier)
        tally.verify_s += time.perf_counter() - t1 if kind == "real" else 0.0
        for check in verifier.checks:
            tally.deltas[f"{check.part} {expected.get(PART_RULE[check.part])}"].append(
                round(check.expected_score - check.rival_score, 2))
        for rule in (r for r in RULES if expected.get(r) in ("pass", "fail")):
            for name in tables:
                tally.tables[name][(rule, expected[rule])][(text.get(rule), verified.get(rule))] += 1
            if verified.get(rule) != expected[rule]:
                print(f"  miss {audio.name} [{kind}] {rule}: expected {expected[rule]}, text {text.get(rule)}, "
                      f"verified {verified.get(rule)} (voice {voice})", flush=True)
        if kind == "real":
            probe_thanks(analysis, ref, verifier, ruleset.lists["hold_thanks"].phrases, tally)
        tally.rows.append({"call": audio.name, "voice": voice, "kind": kind, "expected": expected, "text": text,
                           "verified": verified, "checks": [c.model_dump() for c in verifier.checks]})
    print(f"{audio.name}: done", flush=True)


def probe_thanks(analysis, ref: dict, verifier, phrases, tally: Tally) -> None:
    """Ask the audio whether agent turns thank for waiting where the reference says no thanks (no 谢
    or 久 in the reference lines the turn overlaps; a request to wait, 请您稍等, is asked too, being
    the nearest in sound): each verified one is a false pass."""
    asked = 0
    for turn in [u for u in analysis.transcript if u.speaker == "agent"][1:]:
        said = "".join(r["text"] for r in ref.get("transcript", [])
                       if r["speaker"] == "agent" and r["start"] < turn.end and turn.start < r["end"])
        if not said or any(ch in said for ch in "谢久"):
            continue
        check = verifier.check(turn, "hold_thanks", phrases, [""])
        tally.thanks_probes[check.verified] += 1
        if check.verified:
            print(f"  false thanks {turn.start:.1f}s: heard {turn.text!r}, said {said!r}, {check.expected} "
                  f"{check.expected_score:.1f} vs {check.rival_score:.1f}", flush=True)
        asked += 1
        if asked == PROBES_PER_CALL:
            return


def answer_error(analysis, truth: dict) -> tuple[float, float] | None:
    """How far the answer moment is from the truth: the agent's first speech (what the rings are
    counted up to) and the first aligned word of the agent's first turn."""
    first = next((u for u in analysis.transcript if u.speaker == "agent" and u.words), None)
    if truth.get("answer_s") is None or analysis.metrics.answer_s is None or first is None:
        return None
    return abs(analysis.metrics.answer_s - truth["answer_s"]), abs(first.words[0].start - truth["answer_s"])


def report_answers(errors: list[tuple[float, float]]) -> None:
    for i, label in enumerate(("first agent speech (used)", "first aligned word")):
        values = sorted(e[i] for e in errors)
        print(f"answer moment, {label}: n={len(values)} median {values[len(values) // 2]:.2f} s, "
              f"max {values[-1]:.2f} s, > 0.5 s: {sum(v > 0.5 for v in values)}")


def report(name: str, table, pipeline_s: float, verify_s: float, settings) -> None:
    share = f"{100 * verify_s / pipeline_s:.1f} % of the pipeline" if pipeline_s else "analyses cached: no pipeline time"
    print(f"\n{name}: margins {settings.verify_margin} (transcript, nothing) / {settings.verify_alternative_margin} "
          f"(alternatives); pipeline {pipeline_s:.1f} s, audio checks on the real records {verify_s:.1f} s ({share})")
    print(f"{'rule':28} {'truth':5} {'n':>4} {'text ok':>12} {'verified ok':>12}")
    for (rule, truth), counts in sorted(table.items()):
        n = sum(counts.values())
        text_ok = sum(c for (t, _v), c in counts.items() if t == truth)
        ver_ok = sum(c for (_t, v), c in counts.items() if v == truth)
        print(f"{rule:28} {truth:5} {n:4d} {text_ok:4d} {100 * text_ok / n:5.1f}% {ver_ok:4d} {100 * ver_ok / n:5.1f}%")


def report_deltas(deltas: dict[str, list[float]]) -> None:
    print("\nlog-likelihood margins (expected − decisive rival) per part and truth:")
    for key, values in sorted(deltas.items()):
        print(f"  {key:20} n={len(values):3d} {sorted(values)}")


if __name__ == "__main__":
    raise SystemExit(main())
