"""How well the phrase lists recognise wordings nobody tuned them on.

`benchmarks/wordings/battery.yaml` holds, per scripted step (asking to wait, thanking after it,
announcing a transfer, asking whether there is anything else...), whole turns a careful inspector
counts as the step (positives) and look-alikes they would not (negatives). Its author read neither
the lists nor the rules. Each turn is matched as the engine matches a transcript turn (same text
views, same tolerance, exceptions and patterns); a step is recognised when any of its lists matches.

    PYTHONPATH=. .venv/bin/python benchmarks/wordings.py [--rules rules] [--show]

Prints recall on the positives and false matches on the negatives per step, and with --show every
turn the lists get wrong.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from qa_engine.rules import load_ruleset

REPO = Path(__file__).resolve().parent.parent
BATTERY = REPO / "benchmarks" / "wordings" / "battery.yaml"

# The lists the engine consults for each step (rules/*.yaml).
STEP_LISTS = {
    "hold_request": [],  # the rule set's events.hold.request_lists: RuleSet.asks_to_wait
    "hold_reason": ["hold_reason"],
    "hold_time_estimate": ["hold_time_estimate"],
    "hold_consent": ["hold_consent"],
    "hold_thanks": ["hold_thanks"],
    "transfer_cue": ["transfer_cue"],
    "transfer_reason": ["transfer_reason"],
    "transfer_confirm": ["customer_consent"],  # transfer.consent's check of the customer's answer
    "anything_else": ["anything_else"],
    "thanks_inbound": ["thanks_inbound"],
    "thanks_outbound": ["thanks_outbound"],
    "offer_help": ["offer_help"],
    "name_request": ["name_request"],
    "banned_phrases": ["banned_phrases"],
}


def recognised(ruleset, step: str, text: str) -> bool:
    """The turn does ``step`` as far as the rule set's lists can tell."""
    if step == "hold_request":
        return ruleset.asks_to_wait(text)
    found = ruleset.index.match_text(text)
    return any(found.get(list_id) for list_id in STEP_LISTS[step])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", type=Path, default=REPO / "rules")
    ap.add_argument("--battery", type=Path, default=BATTERY)
    ap.add_argument("--show", action="store_true", help="print every turn the lists get wrong")
    args = ap.parse_args(argv)
    rs = load_ruleset(args.rules)
    steps = yaml.safe_load(args.battery.read_text(encoding="utf-8"))["steps"]
    print(f"rule set {rs.version}, battery {args.battery}")
    print(f"{'step':20} {'recall':>14} {'false matches':>15}")
    totals = [0, 0, 0, 0]
    for step, cases in steps.items():
        pos, neg = cases.get("positives") or [], cases.get("negatives") or []
        missed = [t for t in pos if not recognised(rs, step, t)]
        wrong = [t for t in neg if recognised(rs, step, t)]
        hit = len(pos) - len(missed)
        print(f"{step:20} {hit:>4}/{len(pos):<3} {hit / max(1, len(pos)):6.1%} {len(wrong):>6}/{len(neg):<3}")
        totals = [totals[0] + hit, totals[1] + len(pos), totals[2] + len(wrong), totals[3] + len(neg)]
        if args.show:
            for t in missed:
                print(f"    missed  {t}")
            for t in wrong:
                print(f"    matched {t}")
    print(f"{'all':20} {totals[0]:>4}/{totals[1]:<3} {totals[0] / max(1, totals[1]):6.1%} {totals[2]:>6}/{totals[3]:<3}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
