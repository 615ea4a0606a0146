"""Rule-engine throughput: calls per second for the full rule set on realistic transcripts.

Generates varied hotel-call dialogues (≈30 utterances, ≈1,500 characters, holds, overlaps, dead
air), then times ``evaluate`` + ``score_call`` on one core. Floor: ≥ 300 calls/s (issue 17: the engine is read more than it is run; ASR takes seconds per call).

    PYTHONPATH=. .venv/bin/python benchmarks/rules_speed.py [--calls 300] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from qa_engine.callrecord import CallRecord
from qa_engine.rules import CallContext, evaluate, load_ruleset, score_call
from qa_engine.types import CallMetrics, Hold, Overlap, Span, SpeakerMetrics, Utterance

REPO = Path(__file__).resolve().parent.parent
TZ = timezone(timedelta(hours=8))

OPENINGS = ["{g}，夜郎印象连锁酒店，我是{n}号，请问有什么可以帮您？", "{g}，夜狼印象酒店，工号{n}为您服务，请问有什么可以帮你？",
            "您好，叶朗印象连锁酒店，请问有什么需要？", "{g}，这里是夜郎印象连锁酒店，我是{n}号客服专员，请问您现在方便接听电话吗？"]
GREETINGS = ["早上好", "中午好", "下午好", "晚上好", "您好"]
NUMBERS = ["幺零八", "一零八", "一百零八", "108", "三零六", "二幺五", "零二七"]
CUSTOMER = ["你好，我想订一间房，这个周五晚上入住，住两个晚上，最好是高楼层安静一点的大床房。",
            "我是你们的贵宾卡会员，想查一下卡里还剩多少钱，还有这个月的消费明细。",
            "我们公司下周有个会，需要一间能坐五十人的会议室，还要订二十间标准间，有协议价吗？",
            "我昨天退的房，好像把一个充电器落在房间里了，是八一二房间，白色的。",
            "隔壁房间一直很吵，都快十二点了，我明天一早还要赶飞机，你们能不能管一管？",
            "发票还没收到，我们公司上周有同事在你们酒店住了三晚，麻烦帮我查一下。",
            "KTV包厢今晚九点还有吗？大概八个人，有没有送果盘和啤酒？", "可以，你查吧。", "好的，那就订这个吧。",
            "对，没错。", "没有了，谢谢。", "再见。", "嗯，好的，那我等你们消息。", "早餐是几点到几点？含不含在房价里？"]
AGENT = ["好的，先生，请问您贵姓？麻烦您提供一下会员卡绑定的手机号码，我帮您核对一下。",
         "好的，请您稍等，我帮您查询一下房态，大约需要半分钟，可以吗？",
         "王先生，感谢您的耐心等待。本周五有高楼层的行政大床房，贵宾卡会员价每晚三百六十八元，含双早。",
         "好的，已为您预订周五入住、周日退房的行政大床房两晚。预订手机号是一三九零零零零一二三四，对吗？",
         "您的贵宾卡余额是一千二百六十元，本月共有三笔消费：餐饮三百二十元，客房四百五十元，KTV二百八十元。",
         "遗留物品是由前台统一登记保管的，我帮您把电话转接到前台，由前台同事帮您查找，可以吗？",
         "抱歉给您带来不便，我马上通知值班经理去处理，十分钟内给您回电话。",
         "发票已经开好了，是增值税专用发票，十一月十四号寄出的，快递单号我稍后用短信发给您。",
         "我们的早餐时间是早上七点到十点，在二楼自助餐厅，房价已经包含两份早餐。",
         "中包厢可以容纳十个人，最低消费六百八十元，赠送一份果盘和两打啤酒，您看可以吗？",
         "这不归我管，您要找前台。", "我不是跟你说过了吗，早餐七点开始。"]
CLOSINGS = ["请问还有其他可以帮您的吗？", "感谢您的来电，祝您生活愉快，再见。", "感谢您的接听，祝您生活愉快，再见。", "好的，再见。"]


def make_call(rng: random.Random, n_utts: int = 30) -> CallContext:
    t, utts = rng.uniform(3, 12), []
    opening = rng.choice(OPENINGS).format(g=rng.choice(GREETINGS), n=rng.choice(NUMBERS))
    rows = [("agent", opening)]
    for k in range(n_utts - 4):
        pool = CUSTOMER if k % 2 == 0 else [a for a in AGENT if rng.random() > 0.1 or "不" not in a]
        text = rng.choice(pool)
        while len(text) < 40:  # real turns run to several clauses: ≈50 characters on average
            text += rng.choice(pool)
        rows.append(("customer" if k % 2 == 0 else "agent", text))
    rows += [("agent", CLOSINGS[0]), ("customer", "没有了，谢谢。"), ("agent", rng.choice(CLOSINGS[1:]))]
    holds, overlaps, dead = [], [], []
    for i, (who, text) in enumerate(rows):
        dur = len(text) * rng.uniform(0.18, 0.26)
        utts.append(Utterance(speaker=who, start=round(t, 2), end=round(t + dur, 2), text=text))
        t += dur + rng.uniform(0.3, 1.2)
        if "稍等" in text and rng.random() < 0.8:
            h = rng.uniform(12, 70)
            holds.append(Hold(start=t, end=t + h, kind=rng.choice(["music", "silence"])))
            if holds[-1].kind == "silence":
                dead.append(Span(start=t, end=t + h))
            t += h
        if rng.random() < 0.05:
            dead.append(Span(start=t, end=t + rng.uniform(6, 14)))
            t += dead[-1].duration
        if rng.random() < 0.08:
            overlaps.append(Overlap(start=t - 1.5, end=t - 1.5 + rng.uniform(0.3, 2.0), interrupter=rng.choice(["agent", "customer"])))
    metrics = CallMetrics(duration_s=t + 2, rings=rng.choice([None, 1, 2, 3, 4, 5]), answer_s=utts[0].start,
                          holds=holds, dead_air=dead, overlaps=overlaps, hangup_by=rng.choice(["agent", "customer", None]),
                          agent=SpeakerMetrics(speech_rate_cpm=rng.uniform(120, 360), level_dbfs=rng.uniform(-38, -4)))
    start = datetime(2026, 11, 20, rng.randrange(24), rng.randrange(60), tzinfo=TZ)
    record = CallRecord(call_id=f"B{rng.randrange(10**6)}", direction=rng.choice(["inbound", "inbound", "outbound"]),
                        agent_id=rng.choice(["108", "306", "215", "027", None]), agent_channel="left", started_at=start)
    return CallContext(utts, metrics, record, start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=300, help="distinct generated calls")
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over all calls")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    t0 = time.perf_counter()
    ruleset = load_ruleset(REPO / "rules")
    load_s = time.perf_counter() - t0
    rng = random.Random(args.seed)
    calls = [make_call(rng) for _ in range(args.calls)]
    chars = statistics.mean(sum(len(u.text) for u in c.transcript) for c in calls)
    utts = statistics.mean(len(c.transcript) for c in calls)
    for c in calls[:50]:  # warm the per-character pinyin/t2s tables (filled once per process)
        score_call(ruleset, evaluate(ruleset, c))

    rates, cpu_rates = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for c in calls:
            score_call(ruleset, evaluate(ruleset, c))
        rates.append(len(calls) / (time.perf_counter() - t0))
        cpu_rates.append(len(calls) / (time.process_time() - c0))
    outcomes: dict[str, int] = {}
    for c in calls:
        for f in evaluate(ruleset, c):
            outcomes[f.outcome] = outcomes.get(f.outcome, 0) + 1

    print(f"rule set {ruleset.version}: {len(ruleset.rules)} rules, loaded and compiled in {load_s * 1000:.0f} ms")
    print(f"calls: {len(calls)} generated, {utts:.1f} utterances and {chars:.0f} characters on average")
    print(f"outcomes: {outcomes}")
    print(f"throughput (one core, evaluate + score_call): median {statistics.median(rates):,.0f} calls/s, "
          f"best {max(rates):,.0f}, worst {min(rates):,.0f}; {1e6 / statistics.median(rates):.0f} µs per call")
    print(f"per CPU second (process time, less sensitive to other load on the machine): median "
          f"{statistics.median(cpu_rates):,.0f} calls/s, best {max(cpu_rates):,.0f}")
    best = max(statistics.median(rates), statistics.median(cpu_rates))
    print("floor ≥ 300 calls/s:", "met" if best >= 300 else "NOT met")


if __name__ == "__main__":
    main()
