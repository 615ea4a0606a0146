"""Evidence narrowed from a long turn to the sentence that holds the quoted phrase."""

from qa_engine.evidence import narrow_evidence
from qa_engine.types import Evidence, Finding, Utterance, Word


def turn(sentences, start=30.0, per_sentence=4.0):
    words, t = [], start
    for s in sentences:
        words.append(Word(start=t, end=t + per_sentence - 0.5, text=s))
        t += per_sentence
    return Utterance(speaker="agent", start=start, end=words[-1].end, text="".join(sentences), words=words)


def test_a_long_turn_is_narrowed_to_the_sentence_holding_the_phrase():
    long = turn(["好的，已经为您登记好了。", "手机号是一三九零零零零一二三四。", "请问还有其他可以帮您的吗？"])
    f = Finding(rule_id="close.anything_else", outcome="pass", message="结束前询问了是否还有其他需要：「还有其他可以帮您」",
                evidence=[Evidence(speaker="agent", start=long.start, end=long.end, text=long.text)])
    [out] = narrow_evidence([f], [long])
    assert [(e.start, e.end, e.text) for e in out.evidence] == [(38.0, 41.5, "请问还有其他可以帮您的吗？")]


def test_short_turns_and_findings_without_quotes_keep_their_evidence():
    short = turn(["请问还有其他可以帮您的吗？"])
    long = turn(["好的，已经为您登记好了。", "手机号是一三九零零零零一二三四。", "感谢您的来电。"])
    quoted = Finding(rule_id="r", outcome="pass", message="「还有其他可以帮您」",
                     evidence=[Evidence(speaker="agent", start=short.start, end=short.end, text=short.text)])
    searched = Finding(rule_id="close.anything_else", outcome="fail", message="结束前未询问是否还有其他需要",
                       evidence=[Evidence(speaker="agent", start=long.start, end=long.end, text=long.text)])
    assert narrow_evidence([quoted, searched], [short, long]) == [quoted, searched]
