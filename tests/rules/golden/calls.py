"""Seeded synthetic calls (rule contexts, no audio) for the golden outcomes of the rule engine.

Each call is built from the rule set's own phrase lists (``rules/lists/*.yaml``, read as plain
YAML so the generator does not depend on the engine it guards) and free filler sentences, with
variations meant to give every rule in ``rules/*.yaml`` a pass, a fail and an n/a somewhere:
openings with right / wrong / missing salutation, hotel name and work number (in its spoken forms),
holds and transfers with and without notice and thanks, taboo phrases (and their exceptions),
closings, outbound calls that ask the name first, turns written as pause fragments, and metrics
and call records with missing fields. Contexts are built like ``qa_engine.rules.testing.
build_context`` builds a test case's: fragments → ``build_turns`` → ``CallContext``. Text only: no
verifier (the audio check of the opening rules is left out).

Every call draws from its own ``random.Random(seed, index)``: a change to one kind of variation
moves few other calls.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from qa_engine.callrecord import CallRecord
from qa_engine.rules import CallContext
from qa_engine.turns import build_turns
from qa_engine.types import CallMetrics, Utterance

REPO = Path(__file__).resolve().parents[3]
SEED = 17
N_CALLS = 1200
CENTER_TZ = ZoneInfo("Asia/Shanghai")

CUSTOMER_LINES = [
    "你好，我想订一间房，这个周五晚上入住，住两个晚上。", "我想查一下会员卡里还剩多少钱。",
    "我们公司下周要开会，需要一间会议室。", "我昨天退的房，好像把充电器落在房间里了。",
    "隔壁房间一直很吵，我明天一早还要赶飞机。", "发票还没收到，麻烦帮我看看。",
    "早餐是几点到几点？含不含在房价里？", "停车场晚上收费吗？", "我想把退房时间延后两个小时。",
]
AGENT_LINES = [
    "好的，我明白您的意思了。", "本周五有高楼层的大床房，会员价每晚三百六十八元，含双早。",
    "我们的早餐时间是早上七点到十点，在二楼自助餐厅。", "发票是十一月十四号寄出的，快递单号稍后短信发给您。",
    "抱歉给您带来不便，我马上通知值班经理去处理。", "延迟退房到下午两点是可以的，不另外收费。",
    "停车场对住店客人免费开放。", "已经为您登记好了。",
]
BACKCHANNELS = ["嗯", "好", "对", "是的", "哦"]
CUSTOMER_HELLO = ["喂？", "喂，你好。", "喂，是酒店吗？"]
CUSTOMER_BYE = ["没有了，谢谢。", "好的，再见。", "没了。"]
CUSTOMER_REFUSE = ["不行，我不想被转来转去。", "不用了。", "不要转了，你直接告诉我。"]
FILLER_QUESTIONS = ["请问您是几号入住呢？", "请问您需要几间房？", "您这边方便现在确认一下吗？"]
AGENT_IDS = ["108", "027", "215", "306", "1024", "7", "520"]
ALL_GREETINGS = ["早上好", "中午好", "下午好", "晚上好", "上午好"]
WRONG_BRANDS = ["如家酒店", "锦江之星", "汉庭酒店"]


def load_lists(rules_dir: Path = REPO / "rules") -> dict[str, dict]:
    """The phrase lists as plain data: id → {phrases, exceptions}."""
    lists = {}
    for path in sorted((rules_dir / "lists").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        lists[data["id"]] = {"phrases": list(data.get("phrases", [])), "exceptions": list(data.get("exceptions", []))}
    return lists


# --- spoken forms of work numbers -----------------------------------------------------------
_DIGITS = "零一二三四五六七八九"


def spoken_number(number: str, rng: random.Random) -> str:
    """How an agent says a work number: Arabic digits (the ASR's), digit by digit (一 or 幺), or
    read as a number (一百零八)."""
    form = rng.choice(["arabic", "digits", "yao", "number"])
    if form == "arabic":
        return number
    if form == "number" and 0 < int(number) < 10000:
        return _as_number(int(number))
    digits = "".join(_DIGITS[int(d)] for d in number)
    return digits.replace("一", "幺") if form == "yao" else digits


def _as_number(n: int) -> str:
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            out += ("零" if zero and out else "") + _DIGITS[d] + unit
            zero = False
        elif out:
            zero = True
    return out.removeprefix("一十") if n < 20 else out


# --- a call as fragments --------------------------------------------------------------------
@dataclass
class Draft:
    """A call being written: fragments in time order and the metric spans placed between them."""

    rng: random.Random
    t: float = 0.0
    rows: list[Utterance] = field(default_factory=list)
    holds: list[dict] = field(default_factory=list)
    dead_air: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    fragment: bool = False  # write turns as pause fragments

    def say(self, speaker: str, text: str) -> None:
        """One turn, split at a comma into fragments now and then (short pauses: still one turn),
        sometimes with the other party's 嗯 in the pause (a backchannel: the turn goes on)."""
        if self.rows and self.rows[-1].speaker == speaker and self.rng.random() < 0.5:
            self.t += self.rng.uniform(1.9, 3.0)  # a long pause: a new turn of the same speaker
        parts = [text]
        if self.fragment and "，" in text and self.rng.random() < 0.6:
            head, _, tail = text.partition("，")
            parts = [head + "，", tail]
        for k, part in enumerate(parts):
            if k:
                self.pause(speaker)
            dur = round(max(0.4, len(part) * self.rng.uniform(0.17, 0.27)), 2)
            self.rows.append(Utterance(speaker=speaker, start=round(self.t, 2), end=round(self.t + dur, 2), text=part))
            self.t += dur
        self.t += self.rng.uniform(0.3, 1.0)

    def pause(self, speaker: str) -> None:
        """A pause inside a turn, now and then filled by the other party's 嗯."""
        if self.rng.random() < 0.3:
            other = "customer" if speaker == "agent" else "agent"
            start = round(self.t + 0.2, 2)
            self.rows.append(Utterance(speaker=other, start=start, end=round(start + 0.4, 2),
                                       text=self.rng.choice(BACKCHANNELS)))
            self.t += 0.9
        else:
            self.t += self.rng.uniform(0.2, 1.2)

    def gap(self, kind: str, seconds: float, hold_kind: str = "music") -> None:
        span = {"start": round(self.t, 2), "end": round(self.t + seconds, 2)}
        if kind == "hold":
            self.holds.append({**span, "kind": hold_kind})
            if hold_kind == "silence":
                self.dead_air.append(dict(span))
        else:
            self.dead_air.append(span)
        self.t += seconds + self.rng.uniform(0.2, 0.8)


class Writer:
    """Writes one call's script into a Draft from the phrase lists."""

    def __init__(self, lists: dict[str, dict], rng: random.Random, plan: dict) -> None:
        self.lists, self.rng, self.plan = lists, rng, plan
        self.d = Draft(rng, t=round(rng.uniform(0.2, 4.0), 2), fragment=rng.random() < 0.3)

    def pick(self, list_id: str) -> str:
        return self.rng.choice(self.lists[list_id]["phrases"])

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- opening ----------------------------------------------------------------------------
    def opening(self) -> None:
        p = self.plan
        if self.chance(0.25):
            self.d.say("customer", self.rng.choice(CUSTOMER_HELLO))
        parts = [self.salutation(), self.brand(), self.work_number()]
        if p["direction"] == "inbound":
            parts.append(self.pick("offer_help") + "？" if self.chance(0.75) else "")
        text = "，".join(x for x in parts if x) or "喂。"
        if self.chance(0.1) and parts[-1]:  # the last part only after the customer spoke: not the first turn
            self.d.say("agent", "，".join(x for x in parts[:-1] if x) or "喂。")
            self.d.say("customer", self.rng.choice(CUSTOMER_HELLO))
            self.d.say("agent", parts[-1])
        else:
            self.d.say("agent", text)

    def salutation(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            return self.plan["right_greeting"]
        if r < 0.75:
            return self.rng.choice(ALL_GREETINGS)
        if r < 0.9:
            return self.pick("greeting_generic")
        return ""

    def brand(self) -> str:
        r = self.rng.random()
        if r < 0.7:
            name = self.pick("brand")
            return name if self.chance(0.8) else name.replace("夜郎", self.rng.choice(["夜狼", "叶朗"]))
        return self.rng.choice(WRONG_BRANDS) if r < 0.8 else ""

    def work_number(self) -> str:
        r, own = self.rng.random(), self.plan["agent_id"] or self.rng.choice(AGENT_IDS)
        if r < 0.6:
            number = own
        elif r < 0.8:
            number = self.rng.choice([a for a in AGENT_IDS if int(a) != int(own)])
        else:
            return ""
        prefix = self.pick("work_number_prefix")
        suffix = self.rng.choice(self.lists["work_number_suffix"]["phrases"] + [""])
        return f"{prefix}{spoken_number(number, self.rng)}{suffix or '号'}"

    # -- body -------------------------------------------------------------------------------
    def exchange(self) -> None:
        self.d.say("customer", self.rng.choice(CUSTOMER_LINES))
        self.d.say("agent", self.agent_line())

    def agent_line(self) -> str:
        text = self.rng.choice(AGENT_LINES)
        if self.plan["banned"] and self.chance(0.5):
            self.plan["banned"] = False
            return self.pick("banned_phrases") + "，" + text
        if self.chance(0.1):  # a taboo word inside an allowed phrase (exceptions)
            return self.rng.choice(self.lists["banned_phrases"]["exceptions"]) + "，" + text
        return text

    def hold(self) -> None:
        parts = [self.pick("hold_request")]
        for list_id in ("hold_reason", "hold_time_estimate"):
            if self.chance(0.75):
                parts.append(self.pick(list_id) if list_id != "hold_time_estimate" or self.chance(0.7)
                             else f"{self.rng.randint(1, 5)}分钟")
        if self.chance(0.75):
            parts.append(self.pick("hold_consent") + "？")
        self.rng.shuffle(parts)
        self.d.say("agent", "，".join(parts).replace("？，", "？"))
        if self.chance(0.8):
            self.d.say("customer", self.rng.choice(["好的。", "可以。", "嗯，你查吧。"]))
        length = self.rng.choice([self.rng.uniform(10, 55), self.rng.uniform(55, 65), self.rng.uniform(65, 120)])
        self.d.gap("hold", round(length, 2), self.rng.choice(["music", "silence", "other"]))
        if self.chance(0.9):
            after = self.rng.choice(AGENT_LINES)
            self.d.say("agent", self.pick("hold_thanks") + "，" + after if self.chance(0.7) else after)

    def transfer(self) -> None:
        cue = self.pick("transfer_cue")
        reason = self.pick("transfer_reason") if self.chance(0.65) else ""
        self.d.say("agent", f"{reason}这个问题，我{cue}" if reason else f"我{cue}，您稍等。")
        r = self.rng.random()
        if r < 0.6:
            self.d.say("customer", self.pick("customer_consent") + "。")
        elif r < 0.85:
            self.d.say("customer", self.rng.choice(CUSTOMER_REFUSE))

    def outbound_question(self) -> None:
        r = self.rng.random()
        if r < 0.4:
            self.d.say("agent", f"请问{self.pick('name_request')}？")
        elif r < 0.75:
            self.d.say("agent", self.rng.choice(FILLER_QUESTIONS))
            if self.chance(0.5):
                self.d.say("agent", f"请问{self.pick('name_request')}？")
        else:
            self.d.say("agent", "我们酒店本周有会员活动，给您介绍一下。")

    # -- closing ----------------------------------------------------------------------------
    def closing(self) -> None:
        if self.chance(0.6):
            self.d.say("agent", f"请问{self.pick('anything_else')}吗？")
            self.d.say("customer", self.rng.choice(CUSTOMER_BYE))
        r = self.rng.random()
        if r < 0.45:
            thanks = self.pick("thanks_inbound" if self.plan["direction"] == "inbound" else "thanks_outbound")
        elif r < 0.65:
            thanks = self.pick("thanks_outbound" if self.plan["direction"] == "inbound" else "thanks_inbound")
        else:
            thanks = ""
        self.d.say("agent", f"{thanks}，祝您生活愉快，再见。" if thanks else "好的，再见。")


def write_script(w: Writer) -> None:
    """Opening, a few exchanges with holds / transfers / dead air among them, closing."""
    rng, outbound = w.rng, w.plan["direction"] == "outbound"
    if rng.random() < 0.02:  # no agent speech at all: the text rules cannot judge
        w.d.say("customer", rng.choice(CUSTOMER_HELLO))
        return
    w.opening()
    if outbound:
        w.outbound_question()
    events = ["exchange"] * rng.randint(1, 4) + ["hold"] * rng.choice([0, 0, 1, 1, 2]) + \
        ["transfer"] * rng.choice([0, 0, 1]) + ["silence"] * rng.choice([0, 0, 0, 1])
    rng.shuffle(events)
    for ev in events:
        if ev == "silence":
            w.d.gap("dead_air", round(rng.choice([rng.uniform(5, 10), rng.uniform(10.01, 30)]), 2))
        else:
            getattr(w, ev)()
    if rng.random() < 0.9:
        w.closing()


# --- metrics and call record ----------------------------------------------------------------
def _overlaps(rng: random.Random, rows: list[Utterance]) -> list[dict]:
    out = []
    for u in rng.sample(rows, k=min(len(rows), rng.choice([0, 0, 1, 2]))):
        dur = rng.choice([rng.uniform(0.2, 0.99), 1.0, rng.uniform(1.01, 3.0)])
        out.append({"start": round(u.start, 2), "end": round(u.start + dur, 2),
                    "interrupter": rng.choice(["agent", "customer"])})
    return sorted(out, key=lambda o: o["start"])


def _maybe(rng: random.Random, p_missing: float, value):
    return None if rng.random() < p_missing else value


def metrics_of(rng: random.Random, d: Draft) -> dict:
    rate = rng.choice([rng.uniform(90, 149.9), rng.uniform(150, 330), rng.uniform(150, 330), rng.uniform(330.1, 420)])
    level = rng.choice([rng.uniform(-45, -30.1), rng.uniform(-30, -6), rng.uniform(-30, -6), rng.uniform(-5.9, -1)])
    metrics = {
        "duration_s": round(max((u.end for u in d.rows), default=0.0) + 1.0, 2),
        "rings": _maybe(rng, 0.35, rng.randint(0, 6)),
        "holds": d.holds, "dead_air": d.dead_air, "overlaps": _overlaps(rng, d.rows),
        "hangup_by": _maybe(rng, 0.4, rng.choice(["agent", "customer"])),
        "agent": {"speech_rate_cpm": _maybe(rng, 0.1, round(rate, 1)), "level_dbfs": _maybe(rng, 0.1, round(level, 1))},
    }
    if rng.random() < 0.2:
        metrics.pop("duration_s")  # build_context's default: the last utterance's end + 1 s
    return metrics


def record_of(rng: random.Random, index: int, plan: dict) -> dict:
    record = {"call_id": f"G{index:05d}", "direction": plan["direction"], "agent_id": plan["agent_id"],
              "agent_channel": rng.choice(["left", "left", "right", "mono"]),
              "hangup_by": _maybe(rng, 0.6, rng.choice(["agent", "customer"])),
              "ring_seconds": _maybe(rng, 0.7, round(rng.uniform(0, 25), 1))}
    if plan["start"] is not None:
        offset = rng.choice([8, 8, 0])  # the record's own offset; the local start is always +08:00
        record["started_at"] = plan["start"].astimezone(timezone(timedelta(hours=offset))).isoformat()
    return {k: v for k, v in record.items() if v is not None or rng.random() < 0.5}


def plan_of(rng: random.Random) -> dict:
    """The facts a call's script depends on: direction, agent, start time and its salutation."""
    start = datetime(2026, 11, 2 + rng.randrange(28), rng.randrange(24), rng.randrange(60), rng.randrange(60),
                     tzinfo=CENTER_TZ) if rng.random() < 0.9 else None
    hour = start.hour if start else rng.randrange(24)
    right = ("早上好" if 5 <= hour < 11 else "中午好" if hour < 13 else "下午好" if 13 <= hour < 18 else "晚上好")
    return {"direction": "outbound" if rng.random() < 0.3 else "inbound",
            "agent_id": rng.choice(AGENT_IDS) if rng.random() < 0.85 else None,
            "start": start, "right_greeting": right, "banned": rng.random() < 0.15}


def make_call(lists: dict[str, dict], index: int, seed: int = SEED) -> CallContext:
    """Call number ``index`` of the golden set, as the rule engine sees it."""
    rng = random.Random(seed * 1_000_003 + index)
    plan = plan_of(rng)
    w = Writer(lists, rng, plan)
    write_script(w)
    metrics = metrics_of(rng, w.d)
    record = record_of(rng, index, plan)
    return context_of(w.d.rows, metrics, record, plan["start"] if rng.random() < 0.5 else None)


def context_of(rows: list[Utterance], metrics: dict, record: dict, local_start: datetime | None) -> CallContext:
    """As ``qa_engine.rules.testing.build_context``: fragments joined into turns, validated models."""
    transcript = build_turns(rows)
    metrics.setdefault("duration_s", max((u.end for u in transcript), default=0.0) + 1.0)
    return CallContext(transcript=transcript, metrics=CallMetrics.model_validate(metrics),
                       record=CallRecord.model_validate(record), local_start=local_start)


def make_calls(n: int = N_CALLS, seed: int = SEED) -> list[CallContext]:
    lists = load_lists()
    return [make_call(lists, i, seed) for i in range(n)]
