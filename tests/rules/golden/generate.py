"""Golden outcomes of the rule engine: show the coverage, compare with the record, or re-record.

    .venv/bin/python -m tests.rules.golden.generate            # coverage per rule + differences
    .venv/bin/python -m tests.rules.golden.generate --record   # re-record (explain it in the commit)

See rules/README.md, "Golden outcomes".
"""

from __future__ import annotations

import argparse
import sys
import time

from .outcomes import GOLDEN, coverage_table, current, differences, load, save


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--record", action="store_true", help=f"write {GOLDEN.name} from the engine as it is now")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    now = current()
    took = time.perf_counter() - t0
    print(coverage_table(now))
    print(f"{now['n_calls']} calls and {len(now['cases'])} rule test cases in zh and en: {took:.1f} s")
    if args.record:
        save(now)
        print(f"recorded {GOLDEN} ({GOLDEN.stat().st_size / 1024:.0f} KiB)")
        return 0
    if not GOLDEN.exists():
        print(f"no {GOLDEN.name} yet: run with --record")
        return 1
    diffs = differences(load(), now)
    for d in diffs[:20]:
        print(d)
    print(f"{len(diffs)} difference(s) from the record")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
