"""Agreement of the automatic verdicts with the expected outcomes of the demo calls, through the
real audio and model (issue: rule engine, part 6).

    python benchmarks/rules_agreement.py [--save DIR]

Prints, per rule, how many demo calls agree with the outcome recorded in `<name>.ref.json`, and
lists every disagreement with the finding's message. `--save` writes each analysis as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa_engine.asr.model import load_model  # noqa: E402
from qa_engine.config import REPO_ROOT, get_settings  # noqa: E402
from qa_engine.ingest import find_recordings  # noqa: E402
from qa_engine.pipeline import analyze_call  # noqa: E402
from qa_engine.rules import load_ruleset  # noqa: E402


def expected_for(path: Path) -> dict[str, str]:
    ref = path.with_name(path.stem + ".ref.json")
    return json.loads(ref.read_text(encoding="utf-8"))["expected"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()
    settings = get_settings()
    model, ruleset = load_model(settings), load_ruleset(settings.rules_dir)
    agree, total, misses = defaultdict(int), defaultdict(int), []
    for path in find_recordings(REPO_ROOT / "audio_samples"):
        analysis = analyze_call(path, settings, model=model, ruleset=ruleset)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{path.stem}.json").write_text(json.dumps(analysis.to_contract(), ensure_ascii=False, indent=1))
        expected = expected_for(path)
        for f in analysis.findings:
            total[f.rule_id] += 1
            if expected.get(f.rule_id) == f.outcome:
                agree[f.rule_id] += 1
            else:
                misses.append((path.stem, f.rule_id, expected.get(f.rule_id), f.outcome, f.message))
        print(f"{path.stem}: score {analysis.score.total:.1f}", flush=True)
    print("\n| rule | agreement |\n|---|---|")
    for rule_id in sorted(total):
        print(f"| `{rule_id}` | {agree[rule_id]}/{total[rule_id]} |")
    overall = sum(agree.values()) / max(sum(total.values()), 1)
    print(f"| **all** | {sum(agree.values())}/{sum(total.values())} ({overall:.1%}) |")
    print("\ndisagreements (call, rule, expected, got, message):")
    for miss in misses:
        print("  " + " | ".join(str(x) for x in miss))


if __name__ == "__main__":
    main()
