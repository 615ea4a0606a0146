"""evaluate() and score_call(): one finding per rule with provenance; weighted scores."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from qa_engine.callrecord import CallRecord
from qa_engine.rules import CallContext, evaluate, score_call
from qa_engine.types import CallMetrics, Finding, Hold, SpeakerMetrics, Utterance

TZ = timezone(timedelta(hours=8))
GOOD = [
    ("agent", 7.7, 13.6, "早上好，夜郎印象连锁酒店，我是幺零八号，请问有什么可以帮您？"),
    ("customer", 14.5, 19.2, "你好，我想订一间房，这个周五晚上入住，住两个晚上。"),
    ("agent", 37.4, 43.5, "好的，请您稍等，我帮您查询一下房态，大约需要半分钟，可以吗？"),
    ("customer", 44.4, 45.8, "可以，你查吧。"),
    ("agent", 67.8, 77.7, "王先生，感谢您的耐心等待。本周五有高楼层的行政大床房。"),
    ("agent", 92.8, 94.9, "请问还有其他可以帮您的吗？"),
    ("customer", 95.8, 97.0, "没有了，谢谢。"),
    ("agent", 98.1, 101.5, "感谢您的来电，祝您生活愉快，再见。"),
]


def _ctx(utts=GOOD, **metrics) -> CallContext:
    m = dict(duration_s=107.0, rings=2, answer_s=7.7, holds=[Hold(start=46.4, end=67.4, kind="music")],
             hangup_by="customer", agent=SpeakerMetrics(speech_rate_cpm=257.0, level_dbfs=-20.0))
    m.update(metrics)
    record = CallRecord(call_id="C1", direction="inbound", agent_id="108", agent_channel="left",
                        started_at=datetime(2026, 11, 16, 9, 12, tzinfo=TZ))
    return CallContext([Utterance(speaker=s, start=a, end=b, text=t) for s, a, b, t in utts], CallMetrics(**m),
                       record, record.started_at)


def test_one_finding_per_rule_with_provenance(ruleset):
    findings = evaluate(ruleset, _ctx())
    assert [f.rule_id for f in findings] == [r.id for r in ruleset.rules]
    assert len(findings) == 18
    for f in findings:
        rule = ruleset.rule(f.rule_id)
        assert f.rule_version == rule.version
        assert f.rule_hash == hashlib.sha256(rule.path.read_bytes()).hexdigest()
        assert f.section == rule.section and f.weight == rule.weight
    banned = next(f for f in findings if f.rule_id == "talk.banned_phrases")
    assert banned.critical


def test_compliant_call_scores_100(ruleset):
    findings = evaluate(ruleset, _ctx())
    assert {f.rule_id for f in findings if f.outcome == "fail"} == set()
    score = score_call(ruleset, findings)
    assert score.total == 100.0 and score.zeroed_by == [] and score.ruleset_version == ruleset.version
    assert "保持与转接" in score.sections


def test_na_is_left_out_of_the_denominator(ruleset):
    findings = evaluate(ruleset, _ctx(rings=5))
    score = score_call(ruleset, findings)
    applicable = sum(f.weight for f in findings if f.outcome != "n/a")
    assert score.total == round(100 * (applicable - 5) / applicable, 1)
    assert score.sections["开场"] == round(100 * (27 - 5) / 27, 1)  # outbound.no_name_first is n/a


def test_critical_fail_zeroes_the_call(ruleset):
    utts = GOOD + [("agent", 102.0, 103.0, "你听不懂吗？")]
    score = score_call(ruleset, evaluate(ruleset, _ctx(utts)))
    assert score.total == 0.0 and score.zeroed_by == ["talk.banned_phrases"]
    assert score.sections["服务忌语"] == 0.0 and score.sections["开场"] == 100.0


def test_score_of_synthetic_findings(ruleset):
    def f(rule_id, outcome):
        return Finding(rule_id=rule_id, outcome=outcome, message="")

    findings = [f("open.brand_name", "pass"), f("open.agent_id", "fail"), f("hold.notice", "n/a")]
    score = score_call(ruleset, findings)
    assert score.total == round(100 * 5 / 13, 1)
    assert set(score.sections) == {"开场"}


def test_english_messages(ruleset):
    findings = evaluate(ruleset, _ctx(rings=5), lang="en")
    rings = next(f for f in findings if f.rule_id == "open.answer_within_3_rings")
    assert rings.outcome == "fail" and "5 ring" in rings.message


def test_every_fail_has_evidence(ruleset):
    bad = [("agent", 1.0, 3.0, "喂。"), ("customer", 3.5, 5.0, "你好。")]
    findings = evaluate(ruleset, _ctx(bad, rings=6, dead_air=[], hangup_by="agent",
                                      agent=SpeakerMetrics(speech_rate_cpm=400.0, level_dbfs=-40.0)))
    fails = [f for f in findings if f.outcome == "fail"]
    assert len(fails) >= 10
    assert all(f.evidence for f in fails)


def test_hotwords_come_from_hotword_lists(ruleset):
    words = ruleset.hotwords()
    assert "夜郎印象连锁酒店" in words and "早上好" in words and "请问有什么可以帮您" in words
    assert "这不归我管" not in words


def test_hotword_lists_have_the_asr_contract():
    import yaml

    from qa_engine.config import REPO_ROOT

    for path in (REPO_ROOT / "rules" / "lists").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data["id"], str) and isinstance(data.get("hotword", False), bool)
        assert all(isinstance(p, str) for p in data.get("phrases", []))


def test_missing_inputs_are_na_not_errors(ruleset):
    ctx = _ctx(rings=None, hangup_by=None, agent=SpeakerMetrics())
    ctx.local_start = None
    ctx.record = CallRecord(call_id="C1", direction="inbound", agent_channel="left")
    findings = {f.rule_id: f for f in evaluate(ruleset, ctx)}
    for rule_id in ("open.answer_within_3_rings", "open.greeting_time_of_day", "talk.speech_rate", "talk.volume",
                    "close.customer_hangs_up_first", "open.agent_id"):
        assert findings[rule_id].outcome == "n/a", findings[rule_id]
    assert "规则执行出错" not in " ".join(f.message for f in findings.values())



def test_a_rule_that_raises_is_na_naming_the_error_and_the_others_still_run(ruleset, monkeypatch):
    rule = ruleset.rule("open.brand_name")

    def broken(env):
        raise RuntimeError("boom")

    monkeypatch.setattr(rule, "check", broken)
    findings = {f.rule_id: f for f in evaluate(ruleset, _ctx())}
    assert findings["open.brand_name"].outcome == "n/a" and "boom" in findings["open.brand_name"].message
    assert len(findings) == len(ruleset.rules) and findings["close.thanks"].outcome == "pass"
