"""API speed on a large database: 100,000 calls bulk-inserted into a temp SQLite, then the daily
scorecard for one day and filtered call lists, timed through the real API (p50/p95/max, ms).

    PYTHONPATH=. python benchmarks/api_speed.py [--calls 100000] [--runs 30] [--without-composite-indexes]

Target: p95 ≤ 200 ms for each query. The schema comes from the migrations (as in production);
``--without-composite-indexes`` drops the composite indexes of storage/models.py to show what they buy.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from qa_engine.config import Settings  # noqa: E402
from qa_engine.storage.db import get_engine, session_scope  # noqa: E402
from qa_engine.storage.schema import init_db  # noqa: E402

RULES = ("open.answer_within_3_rings", "open.greeting_time_of_day", "open.brand_name", "open.agent_id",
         "open.offer_help", "outbound.no_name_first", "hold.notice", "hold.thanks_after", "hold.max_60s",
         "transfer.consent", "talk.dead_air", "talk.no_interrupt", "talk.speech_rate", "talk.volume",
         "talk.banned_phrases", "close.anything_else", "close.thanks", "close.customer_hangs_up_first")
FAIL_RATE = {r: 0.02 + 0.18 * (i % 5) / 4 for i, r in enumerate(RULES)}
COMPOSITE_INDEXES = ("ix_findings_rule_outcome_analysis", "ix_calls_agent_date", "ix_calls_current_analysis")
FIRST_DAY = date(2025, 12, 1)
DAYS = 365


def generate(settings: Settings, n_calls: int, seed: int = 7) -> None:
    """Bulk insert through the DB-API (executemany): calls, metrics, one analysis, 18 findings each."""
    rnd = random.Random(seed)
    agents = [str(100 + i) for i in range(40)]
    engine = get_engine(settings)
    raw = engine.raw_connection()
    cur = raw.cursor()
    now = datetime.now(timezone.utc).isoformat(sep=" ")
    batch = 5000
    for lo in range(0, n_calls, batch):
        calls, metrics, analyses, findings = [], [], [], []
        for pk in range(lo + 1, min(lo + batch, n_calls) + 1):
            day = FIRST_DAY + timedelta(days=rnd.randrange(DAYS))
            start = datetime(day.year, day.month, day.day, rnd.randrange(24), rnd.randrange(60), tzinfo=timezone.utc)
            failed = [r for r in RULES if rnd.random() < FAIL_RATE[r]]
            critical = "talk.banned_phrases" in failed
            score = 0.0 if critical else max(0.0, 100.0 - 6 * len(failed))
            review = rnd.choices(("pending", "in_review", "final"), (0.7, 0.1, 0.2))[0]
            calls.append((pk, f"C{pk:07d}", f"h{pk:015d}", f"/recordings/C{pk:07d}.wav", "analysed",
                          rnd.choice(("inbound", "outbound")), rnd.choice(agents), "left", f"139{pk:08d}",
                          start.isoformat(sep=" "), day.isoformat(), rnd.uniform(40, 600), score, int(critical),
                          review, pk, "{}", now, now))
            metrics.append((pk, rnd.randrange(1, 5), rnd.randrange(0, 3), rnd.uniform(0, 90), rnd.uniform(0, 30), "{}"))
            analyses.append((pk, pk, "v1", score, "{}", json.dumps(["talk.banned_phrases"] if critical else []), now))
            for rule in RULES:
                outcome = "fail" if rule in failed else "pass"
                findings.append((pk, pk, rule, outcome, "", "[]", "1", "", rule.split(".")[0], 5.0,
                                 int(rule == "talk.banned_phrases")))
        cur.executemany("INSERT INTO calls (id, call_id, content_hash, source_path, status, direction, agent_id, "
                        "agent_channel, customer_number, started_at, local_date, duration_s, score, critical_failed, "
                        "review_status, current_analysis_id, record, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", calls)
        cur.executemany("INSERT INTO metrics (call_pk, rings, hold_count, hold_total_s, dead_air_total_s, data, "
                        "hold_max_s, agent_interruptions, agent_talk_s, customer_talk_s) "
                        "VALUES (?,?,?,?,?,?,0,0,0,0)", metrics)
        cur.executemany("INSERT INTO analyses (id, call_pk, ruleset_version, score, sections, zeroed_by, created_at) "
                        "VALUES (?,?,?,?,?,?,?)", analyses)
        cur.executemany("INSERT INTO findings (analysis_id, call_pk, rule_id, outcome, message, evidence, rule_version, "
                        "rule_hash, section, weight, critical) VALUES (?,?,?,?,?,?,?,?,?,?,?)", findings)
        raw.commit()
    cur.execute("INSERT INTO agents (agent_id, name, team, active) VALUES " +
                ",".join(f"('{a}', '', '', 1)" for a in agents))
    raw.commit()
    raw.close()


def timed(fn, runs: int) -> dict:
    fn()  # warm-up (statement cache, page cache)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"p50": statistics.median(samples), "p95": samples[max(0, int(round(0.95 * len(samples))) - 1)],
            "max": samples[-1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--without-composite-indexes", action="store_true")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from qa_engine.api.main import create_app
    from qa_engine.api.services.users import ensure_demo_users

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=None, secret_key="benchmark-secret-key-of-32-bytes-x")
        init_db(settings)
        t0 = time.perf_counter()
        generate(settings, args.calls)
        with get_engine(settings).begin() as conn:
            if args.without_composite_indexes:
                for name in COMPOSITE_INDEXES:
                    conn.execute(text(f"DROP INDEX {name}"))
            conn.execute(text("ANALYZE"))
        with session_scope(settings) as session:
            ensure_demo_users(session)
        print(f"generated {args.calls:,} calls ({args.calls * len(RULES):,} findings) in {time.perf_counter() - t0:.1f} s; "
              f"composite indexes: {'off' if args.without_composite_indexes else 'on'}")

        client = TestClient(create_app(settings))
        token = client.post("/api/auth/token", data={"username": "supervisor", "password": "super123"}).json()["access_token"]
        h = {"Authorization": f"Bearer {token}"}
        day = (FIRST_DAY + timedelta(days=200)).isoformat()
        month_from, month_to = (FIRST_DAY + timedelta(days=180)).isoformat(), day

        def get(url, **params):
            def run():
                r = client.get(url, params=params, headers=h)
                assert r.status_code == 200, r.text
            return run

        cases = {
            "daily scorecard (one day)": get("/api/scorecards/daily", day=day),
            "calls: agent + 3 weeks, newest first": get("/api/calls", agent_id="117", date_from=month_from, date_to=month_to),
            "calls: rule fail + date range, queue order": get("/api/calls", rule_id="close.anything_else", outcome="fail",
                                                              date_from=month_from, date_to=month_to, order="queue"),
            "calls: score 0-60 + open review, queue order": get("/api/calls", score_max=60, review_status="open",
                                                                 order="queue"),
            "calls: rule fail, all dates, page 20": get("/api/calls", rule_id="talk.banned_phrases", outcome="fail",
                                                        page=20),
        }
        worst = 0.0
        print(f"{'query':48s} {'p50':>8s} {'p95':>8s} {'max':>8s}  (ms, {args.runs} runs)")
        for name, fn in cases.items():
            r = timed(fn, args.runs)
            worst = max(worst, r["p95"])
            print(f"{name:48s} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f}")
        print(f"worst p95: {worst:.1f} ms — {'OK' if worst <= 200 else 'OVER'} (target ≤ 200 ms)")
        client.close()
        get_engine(settings).dispose()
    return 0 if worst <= 200 else 1


if __name__ == "__main__":
    sys.exit(main())
