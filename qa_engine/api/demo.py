"""Hand-built demo data for the service and the dashboard: users, analysed calls, a CRM customer.

Used by the tests (no ASR model needed) and by the demo command before the real demo calls exist.
"""

from __future__ import annotations

import math
import struct
import wave
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import Session

from qa_engine.config import Settings
from qa_engine.types import (CallAnalysis, CallMetrics, Evidence, Finding, Hold, Score, SpeakerMetrics, Span, ToneBurst,
                             Utterance)

CST = timezone(timedelta(hours=8))
DEMO_PHONE = "13900001234"
RULESET = "demo-1"

# (rule_id, section, weight, critical)
CATALOG = (
    ("open.answer_within_3_rings", "open", 5, False), ("open.greeting_time_of_day", "open", 5, False),
    ("open.brand_name", "open", 5, False), ("open.agent_id", "open", 5, False), ("open.offer_help", "open", 5, False),
    ("outbound.no_name_first", "open", 5, False), ("hold.notice", "hold", 8, False), ("hold.thanks_after", "hold", 5, False),
    ("hold.max_60s", "hold", 5, False), ("transfer.consent", "talk", 5, False), ("talk.dead_air", "talk", 8, False),
    ("talk.no_interrupt", "talk", 8, False), ("talk.speech_rate", "talk", 4, False), ("talk.volume", "talk", 4, False),
    ("talk.banned_phrases", "talk", 0, True), ("close.anything_else", "close", 6, False),
    ("close.thanks", "close", 6, False), ("close.customer_hangs_up_first", "close", 6, False),
)

TRANSCRIPT = (
    ("agent", 6.1, 9.8, "早上好，夜郎印象连锁酒店，我是108号，请问有什么可以帮您？"),
    ("customer", 10.4, 14.0, "你好，我想订一间明天晚上的大床房。"),
    ("agent", 14.6, 18.9, "好的，请问您贵姓？需要住几晚呢？"),
    ("customer", 19.5, 22.0, "姓王，住一晚。"),
    ("agent", 22.6, 27.5, "这不归我管，您自己去网上订吧。"),
    ("customer", 28.2, 31.0, "你这是什么态度？"),
    ("agent", 31.8, 36.0, "王先生，请稍等，我帮您查一下房态，大约一分钟可以吗？"),
    ("agent", 52.0, 56.5, "感谢您的耐心等待，明天大床房还有，为您保留到晚上六点。"),
    ("customer", 57.0, 59.0, "好的，谢谢。"),
    ("agent", 59.5, 62.0, "请问还有其他可以帮您的吗？感谢您的来电，再见。"),
)


def write_demo_wav(path: Path, seconds: float = 64.0, rate: int = 8000) -> Path:
    """A quiet stereo 8 kHz WAV (a soft tone per channel) so players and Range requests have audio."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = int(seconds * rate)
    frames = bytearray()
    for i in range(n):
        left = int(1500 * math.sin(2 * math.pi * 440 * i / rate)) if (i // rate) % 4 == 0 else 0
        right = int(1500 * math.sin(2 * math.pi * 330 * i / rate)) if (i // rate) % 4 == 2 else 0
        frames += struct.pack("<hh", left, right)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


def demo_analysis(call_id: str, *, source_path: str, agent_id: str = "108", customer_number: str | None = DEMO_PHONE,
                  started_at: datetime | None = None, fails: tuple[str, ...] = ("talk.banned_phrases", "hold.max_60s"),
                  direction: str = "inbound", ruleset_version: str = RULESET, content_hash: str | None = None) -> CallAnalysis:
    """A complete CallAnalysis built by hand: the transcript above, one hold, the given rules failing."""
    started_at = started_at or datetime(2026, 11, 20, 9, 15, tzinfo=CST)
    utterances = [Utterance(speaker=s, start=a, end=b, text=t) for s, a, b, t in TRANSCRIPT]
    evidence = {
        "talk.banned_phrases": [Evidence(speaker="agent", start=22.6, end=27.5, text=TRANSCRIPT[4][3])],
        "hold.max_60s": [Evidence(start=36.0, end=52.0, text="保持 16 秒")],
    }
    ruleset = _ruleset()
    findings = []
    for rule_id, section, weight, critical in CATALOG:
        rule = ruleset.by_id.get(rule_id) if ruleset else None
        if rule is not None:  # the real scorecard's section, weight and critical flag
            section, weight, critical = rule.section, rule.weight, rule.critical
        outcome = "fail" if rule_id in fails else ("n/a" if rule_id.startswith(("transfer.", "outbound.")) else "pass")
        ev = evidence.get(rule_id, [Evidence(speaker="agent", start=59.5, end=62.0, text=TRANSCRIPT[-1][3])] if outcome == "fail" else [])
        findings.append(Finding(rule_id=rule_id, outcome=outcome, message=f"{rule_id}: {outcome}", evidence=ev,
                                rule_version="1", rule_hash="demo", section=section, weight=weight, critical=critical))
    if ruleset is not None:
        score = score_call(ruleset, findings).model_copy(update={"ruleset_version": ruleset_version})
    else:
        failed = [f for f in findings if f.outcome == "fail"]
        zeroed = [f.rule_id for f in failed if f.critical]
        score = Score(total=0.0 if zeroed else 100.0 - sum(f.weight for f in failed), sections={}, zeroed_by=zeroed,
                      ruleset_version=ruleset_version)
    metrics = CallMetrics(duration_s=64.0, rings=1, ring_source="call_record", answer_s=6.1,
                          holds=[Hold(start=36.0, end=52.0, kind="music")], dead_air=[Span(start=40.0, end=41.0)],
                          hangup_by="customer", hangup_source="call_record",
                          agent=SpeakerMetrics(speech_s=24.0, talk_ratio=0.6, speech_rate_cpm=240.0, level_dbfs=-18.0),
                          customer=SpeakerMetrics(speech_s=11.0, talk_ratio=0.3, speech_rate_cpm=200.0, level_dbfs=-20.0))
    record = {"call_id": call_id, "direction": direction, "agent_id": agent_id, "agent_channel": "left",
              "customer_number": customer_number, "started_at": started_at.isoformat(), "ring_seconds": 3.0,
              "hangup_by": "customer"}
    return CallAnalysis(call_id=call_id, source_path=source_path, content_hash=content_hash or f"demo-{call_id}",
                        duration_s=64.0, started_at=started_at, call_record=record, transcript=utterances,
                        metrics=metrics, findings=findings,
                        score=score,
                        asr_model="demo")


UNANSWERED_REASON = "无人接听：回铃 5 声后录音结束，座席没有讲话"


def demo_unscored(call_id: str, *, source_path: str, agent_id: str = "108", started_at: datetime | None = None,
                  scoring: str = "unanswered", reason: str = UNANSWERED_REASON, duration_s: float = 28.1,
                  declared_duration_s: float | None = 106.9) -> CallAnalysis:
    """A call the engine did not score, as the pipeline stores it (qa_engine/callstatus.py): no
    transcript, every rule n/a with the reason (an unanswered inbound call fails the ring rule), a
    null total; by default a recording cut off at 28.1 s of the 106.9 s its header declares."""
    base = demo_analysis(call_id, source_path=source_path, agent_id=agent_id, started_at=started_at, fails=())
    missed = scoring == "unanswered"
    findings = [f.model_copy(update={"outcome": "fail" if missed and f.rule_id == "open.answer_within_3_rings" else "n/a",
                                     "message": reason, "evidence": []}) for f in base.findings]
    ruleset = _ruleset()
    score = score_call(ruleset, findings) if ruleset is not None else Score(total=None, ruleset_version=RULESET)
    rings = [ToneBurst(start=i * 5.0, end=i * 5.0 + 1.0, channel="left", freq_hz=450.0) for i in range(5)] if missed else []
    cut = declared_duration_s is not None and declared_duration_s - duration_s > 1.0
    metrics = CallMetrics(duration_s=duration_s, ringback=rings, truncated=cut, declared_duration_s=declared_duration_s)
    return base.model_copy(update={
        "duration_s": duration_s, "transcript": [], "metrics": metrics, "findings": findings,
        "score": score.model_copy(update={"total": None, "ruleset_version": base.score.ruleset_version}),
        "scoring": scoring, "scoring_reason": reason})


def _ruleset():
    from qa_engine.api.services.catalog import current_ruleset

    return current_ruleset()


def score_call(ruleset, findings):
    from qa_engine.rules import score_call as engine_score

    return engine_score(ruleset, findings)


DEMO_AGENTS = (("108", "孙丽", "一组"), ("109", "周婷", "一组"), ("110", "吴刚", "二组"))


def ensure_demo_agents(session: Session, agents=DEMO_AGENTS) -> None:
    """Names and teams of the demo agents in the ``agents`` table (existing rows are left alone)."""
    from qa_engine.storage.models import Agent

    for agent_id, name, team in agents:
        if session.get(Agent, agent_id) is None:
            session.add(Agent(agent_id=agent_id, name=name, team=team))


def store_call(analysis: CallAnalysis, settings: Settings) -> None:
    """Store like ``qa_engine.ingest.save_analysis`` (used when the engine stack can be imported)."""
    try:
        from qa_engine.ingest import save_analysis
    except ImportError:  # the engine's ASR/rules stack is not importable in this build
        save_analysis = _save_analysis
    save_analysis(analysis, settings)


def _save_analysis(analysis: CallAnalysis, settings: Settings) -> None:
    from qa_engine.callrecord import local_start, parse_call_record
    from qa_engine.storage.db import session_scope
    from qa_engine.storage.repository import store_analysis

    start = local_start(parse_call_record(analysis.call_record), settings.timezone)
    with session_scope(settings) as session:
        store_analysis(session, analysis=analysis, local_date=start.date() if start else None)


def seed_crm_customer(session: Session, *, phone: str = DEMO_PHONE) -> int | None:
    """A business customer with a 20,000-yuan VIP card (and its sub-cards), one spend and a contact,
    unless the number already belongs to someone. Returns the customer id."""
    from crm import services as crm
    from crm.models import CustomerCreate, CustomerKind, StaffCreate, StaffRole
    from crm.schemas import BuyerRegistration

    found = crm.find_customer_by_phone(session, phone=phone)
    if found is not None:
        return found.id
    staff = crm.create_staff(session, staff_in=StaffCreate(code="S-DEMO", name="李销售", role=StaffRole.sales))
    customer = crm.create_customer(session, customer_in=CustomerCreate(
        kind=CustomerKind.business_agreement, name="贵阳黔途商贸有限公司", company="贵阳黔途商贸有限公司",
        address="贵阳市南明区中华南路 88 号", contact_person="王建国", phones=[phone]))
    registration = BuyerRegistration(company="贵阳黔途商贸有限公司", address="贵阳市南明区中华南路 88 号", name="王建国",
                                     gender="male", contact=phone, birth_date=datetime(1980, 5, 6).date())
    crm.draw_cards(session, salesperson_ref=staff.id, face_value_yuan=20000, count=1)
    sold = crm.sell_card(session, customer_id=customer.id, salesperson_ref=staff.id, face_value_yuan=20000,
                         registration=registration)
    crm.spend(session, card_no=sold.card_nos[0], amount_fen=128_000, category="rooms", note="客房 2 晚")
    crm.log_contact(session, customer_id=customer.id, channel="phone", staff_ref=staff.id, notes="月度回访，确认协议价")
    return customer.id


def seed_demo(settings: Settings, *, calls: int = 3) -> list[tuple[str, str, str]]:
    """Demo users, ``calls`` hand-built analysed calls (with a generated WAV) and the demo CRM
    customer; returns the demo logins (username, password, role). Safe to run again."""
    from qa_engine.api.services.users import ensure_demo_users
    from qa_engine.storage.db import session_scope

    with session_scope(settings) as session:
        logins = ensure_demo_users(session)
        ensure_demo_agents(session)
    audio = write_demo_wav(settings.data_dir / "demo_audio" / "demo.wav")
    agents = ("108", "109", "110")
    base = datetime(2026, 11, 20, 9, 15, tzinfo=CST)
    for i in range(calls):
        fails = (("talk.banned_phrases", "hold.max_60s"), ("close.anything_else",), ())[i % 3]
        store_call(demo_analysis(f"DEMO{i + 1:03d}", source_path=str(audio), agent_id=agents[i % 3],
                                 started_at=base + timedelta(hours=i), fails=fails,
                                 customer_number=DEMO_PHONE if i == 0 else f"1380000{i:04d}"), settings)
    with session_scope(settings) as session:
        seed_coaching(session)
    try:
        with session_scope(settings) as session:
            seed_crm_customer(session)
    except ImportError:  # a build without the crm package
        pass
    return logins


def seed_coaching(session: Session) -> None:
    """One coaching session on the closing question, from DEMO002's last moment (once)."""
    from sqlmodel import select

    from qa_engine.api.services.coaching import CoachingSessionCreate, create_session
    from qa_engine.storage.app_models import CoachingMomentBase, CoachingSession

    if session.exec(select(CoachingSession.id)).first() is not None:
        return
    create_session(session, username="trainer", data=CoachingSessionCreate(
        title="结束语规范：询问是否还有其他需要", target_rule="close.anything_else",
        notes="结束通话前须询问客户是否还有其他需要（第27条1），并感谢来电。",
        moments=[CoachingMomentBase(call_id="DEMO002", start=56.0, end=64.0, note="缺少“还有其他可以帮您的吗”")],
        agent_ids=["108", "109"]))
