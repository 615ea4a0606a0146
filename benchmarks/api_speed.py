"""API speed on a large database: 100,000 calls bulk-inserted into a temp SQLite, then the daily
scorecard for one day, filtered call lists and transcript searches, timed through the real API
(p50/p95/max, ms).

    PYTHONPATH=. python benchmarks/api_speed.py [--calls 100000] [--runs 30] [--without-composite-indexes]

Targets: p95 ≤ 200 ms for each list query, ≤ 300 ms for each search (``q``). The schema comes from the
migrations (as in production); every call gets a generated transcript of about a dozen utterances
(openings and closings every call has, intents such as 退款 and 投诉 in a few percent, customer names,
phone numbers), indexed by the migration's backfill (``search.rebuild``, timed).
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
from qa_engine.storage import search  # noqa: E402
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
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯健俊帆帅旭宁"
NUMERALS = "零一二三四五六七八九"
# (share of calls, what the customer says): the intents a search looks for.
INTENTS = ((0.05, "我上周的订单想申请退款，钱什么时候能退回来？"), (0.03, "我要投诉你们前台的服务态度，太差了。"),
           (0.10, "我想开一张发票，抬头是公司的名字。"), (0.30, "我想订一间明天晚上的大床房。"),
           (0.15, "请问早餐几点开始，停车场收费吗？"), (0.10, "我的会员卡积分好像没有到账。"))


def transcript(rnd: random.Random, agent: str) -> list[tuple[str, float, float, str]]:
    """About a dozen utterances: what every call says, one or two intents, a name, maybe a phone number."""
    name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
    lines = [("agent", f"您好，夜郎印象连锁酒店，{agent}号为您服务，请问有什么可以帮您？"),
             ("customer", next((t for p, t in INTENTS if rnd.random() < p), "我想咨询一下房价。")),
             ("agent", "好的，请问您贵姓？"), ("customer", f"我姓{name[0]}，叫{name}。"),
             ("agent", f"{name[0]}先生您好，请稍等，我帮您查一下。"), ("agent", "感谢您的耐心等待。"),
             ("customer", rnd.choice(("好的。", "那我等一下。", "嗯，明白了。")))]
    if rnd.random() < 0.3:
        lines.append(("customer", "我的电话是幺三九" + "".join(rnd.choice(NUMERALS) for _ in range(8)) + "。"))
    lines += [("agent", "好的，已经为您登记了，还有别的问题吗？"), ("customer", "没有了，谢谢。"),
              ("agent", "请问还有其他可以帮您的吗？感谢您的来电，再见。")]
    return [(who, 5.0 * i, 5.0 * i + 4.0, said) for i, (who, said) in enumerate(lines)]


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
        calls, metrics, analyses, findings, utterances = [], [], [], [], []
        for pk in range(lo + 1, min(lo + batch, n_calls) + 1):
            day = FIRST_DAY + timedelta(days=rnd.randrange(DAYS))
            start = datetime(day.year, day.month, day.day, rnd.randrange(24), rnd.randrange(60), tzinfo=timezone.utc)
            failed = [r for r in RULES if rnd.random() < FAIL_RATE[r]]
            critical = "talk.banned_phrases" in failed
            score = 0.0 if critical else max(0.0, 100.0 - 6 * len(failed))
            review = rnd.choices(("pending", "in_review", "final"), (0.7, 0.1, 0.2))[0]
            agent = rnd.choice(agents)
            utterances += [(pk, i, who, a, b, said, "[]") for i, (who, a, b, said) in enumerate(transcript(rnd, agent))]
            calls.append((pk, f"C{pk:07d}", f"h{pk:015d}", f"/recordings/C{pk:07d}.wav", "analysed",
                          rnd.choice(("inbound", "outbound")), agent, "left", f"139{pk:08d}",
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
        cur.executemany('INSERT INTO utterances (call_pk, idx, speaker, start, "end", text, words) '
                        "VALUES (?,?,?,?,?,?,?)", utterances)
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
        t1 = time.perf_counter()
        with get_engine(settings).begin() as conn:
            search.rebuild(conn)  # what the migration does for the transcripts stored before it
        t_index = time.perf_counter() - t1
        with get_engine(settings).begin() as conn:
            if args.without_composite_indexes:
                for name in COMPOSITE_INDEXES:
                    conn.execute(text(f"DROP INDEX {name}"))
            conn.execute(text("ANALYZE"))
        with session_scope(settings) as session:
            ensure_demo_users(session)
        print(f"generated {args.calls:,} calls ({args.calls * len(RULES):,} findings) in {time.perf_counter() - t0:.1f} s, "
              f"of which indexing the transcripts {t_index:.1f} s; "
              f"composite indexes: {'off' if args.without_composite_indexes else 'on'}")

        client = TestClient(create_app(settings))
        tokens = {user: client.post("/api/auth/token", data={"username": user, "password": password}).json()["access_token"]
                  for user, password in (("supervisor", "super123"), ("trainer", "train123"))}
        day = (FIRST_DAY + timedelta(days=200)).isoformat()
        month_from, month_to = (FIRST_DAY + timedelta(days=180)).isoformat(), day

        def get(url, user="supervisor", **params):
            def run():
                r = client.get(url, params=params, headers={"Authorization": f"Bearer {tokens[user]}"})
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
        searches = {
            "search 退款 (5 %), newest first": get("/api/calls", q="退款"),
            "search 投诉 (3 %) + agent + 3 weeks": get("/api/calls", q="投诉", agent_id="117", date_from=month_from,
                                                  date_to=month_to),
            "search 退款 + rule fail, queue order": get("/api/calls", q="退款", rule_id="close.anything_else",
                                                       outcome="fail", order="queue"),
            "search a customer's name (张伟强)": get("/api/calls", q="张伟强"),
            "search 感谢您的来电 (every call), page 20": get("/api/calls", q="感谢您的来电", page=20),
            "search 退款, trainer (redacted text)": get("/api/calls", user="trainer", q="退款"),
            "search 发票抬头错了 (no match)": get("/api/calls", q="发票抬头错了"),
        }
        worst = {}
        print(f"{'query':48s} {'p50':>8s} {'p95':>8s} {'max':>8s}  (ms, {args.runs} runs)")
        for kind, group in (("lists", cases), ("searches", searches)):
            for name, fn in group.items():
                r = timed(fn, args.runs)
                worst[kind] = max(worst.get(kind, 0.0), r["p95"])
                print(f"{name:48s} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f}")
        ok = worst["lists"] <= 200 and worst["searches"] <= 300
        print(f"worst p95: lists {worst['lists']:.1f} ms (target ≤ 200), searches {worst['searches']:.1f} ms "
              f"(target ≤ 300) — {'OK' if ok else 'OVER'}")
        client.close()
        get_engine(settings).dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
