"""Speaker turns (qa_engine.turns): the transcript's unit, whatever the pauses."""

from qa_engine.config import Settings
from qa_engine.turns import TurnOptions, build_turns
from qa_engine.types import Utterance, Word


def u(speaker, start, end, text, words=()):
    return Utterance(speaker=speaker, start=start, end=end, text=text, words=list(words))


def shape(turns):
    return [(t.speaker, t.start, t.end, t.text) for t in turns]


def test_fragments_of_one_party_are_one_turn_until_the_other_speaks():
    turns = build_turns([u("agent", 0.0, 1.0, "好的，"), u("agent", 1.6, 3.0, "请问还有其他可以帮您的吗？"),
                         u("customer", 3.5, 4.0, "没有了。"), u("agent", 4.5, 6.0, "感谢您的来电"), u("agent", 6.4, 7.0, "再见。")])
    assert shape(turns) == [("agent", 0.0, 3.0, "好的，请问还有其他可以帮您的吗？"), ("customer", 3.5, 4.0, "没有了。"),
                            ("agent", 4.5, 7.0, "感谢您的来电，再见。")]


def test_a_long_pause_ends_a_turn_even_without_the_other_party():
    turns = build_turns([u("agent", 0.0, 2.0, "我帮您查一下。"), u("agent", 5.0, 6.0, "查到了。")])
    assert len(turns) == 2
    assert len(build_turns([u("agent", 0.0, 2.0, "我帮您查一下。"), u("agent", 5.0, 6.0, "查到了。")],
                           TurnOptions(max_gap_s=4.0))) == 1


def test_words_and_their_times_are_kept_inside_the_turn():
    w1, w2 = Word(start=0.0, end=0.5, text="好的，"), Word(start=1.5, end=2.0, text="稍等。")
    [turn] = build_turns([u("agent", 0.0, 0.5, "好的，", [w1]), u("agent", 1.5, 2.0, "稍等。", [w2])])
    assert turn.words == [w1, w2] and turn.text == "好的，稍等。"


def test_a_backchannel_inside_a_turn_does_not_split_it_and_stays_in_the_transcript():
    turns = build_turns([u("agent", 0.0, 2.0, "我再跟您确认一下，"), u("customer", 2.2, 2.5, "嗯。"),
                         u("agent", 2.9, 5.0, "周五入住两晚。")])
    assert shape(turns) == [("agent", 0.0, 5.0, "我再跟您确认一下，周五入住两晚。"), ("customer", 2.2, 2.5, "嗯。")]


def test_an_answer_to_a_question_is_not_a_backchannel():
    # 可以吗？ — 好。 is consent (transfer.consent reads it): the customer takes the floor.
    turns = build_turns([u("agent", 0.0, 2.0, "我帮您转接前台，可以吗？"), u("customer", 2.3, 2.6, "好。"),
                         u("agent", 3.0, 4.0, "现在为您转接。")])
    assert [t.speaker for t in turns] == ["agent", "customer", "agent"]


def test_an_acknowledgement_after_which_the_speaker_does_not_go_on_takes_the_floor():
    turns = build_turns([u("customer", 0.0, 1.0, "没有了。"), u("agent", 1.5, 2.0, "好的。"), u("customer", 2.3, 2.6, "嗯。"),
                         u("agent", 3.0, 4.0, "感谢您的来电。")])
    assert shape(turns)[1] == ("agent", 1.5, 4.0, "好的。感谢您的来电。")
    assert shape(turns)[0] == ("customer", 0.0, 1.0, "没有了。")


def test_interruptions_take_the_floor():
    turns = build_turns([u("agent", 0.0, 3.0, "这个房型的价格是"), u("customer", 2.0, 4.0, "等一下我听不清楚。"),
                         u("agent", 4.5, 6.0, "好的我再说一遍。")])
    assert [t.speaker for t in turns] == ["agent", "customer", "agent"]


def test_settings_configure_the_turns():
    options = Settings(turn_max_gap_s=3.0, turn_backchannels=("嗯",)).turn_options()
    assert options.max_gap_s == 3.0 and options.backchannels == ("嗯",)
    assert build_turns([]) == []
