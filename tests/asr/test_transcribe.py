import numpy as np
import pytest

from qa_engine.asr.transcribe import (
    AsrSegment,
    ENCODER_PAD_S,
    INITIAL_PROMPT,
    domain_hotwords,
    drop_loops,
    encoder_frames,
    is_hallucination,
    normalize_windows,
    punctuate,
    silence_spans,
    to_simplified,
    to_utterances,
    token_limit,
    transcribe,
)
from qa_engine.config import Settings
from qa_engine.types import Span, Word
from .fakes import FakeModel, FakeSegment, FakeWord, seg, sound_bursts

SR = 16000


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path, rules_dir=tmp_path / "no-rules")


def noise(seconds: float, level: float = 0.1) -> np.ndarray:
    return (level * np.random.default_rng(0).standard_normal(int(seconds * SR))).astype(np.float32)


def run(model, settings, seconds=20.0, speech=((0.0, 20.0),), **kw):
    spans = [Span(start=a, end=b) for a, b in speech]
    return transcribe(model, noise(seconds), settings=settings, speech=spans, **kw)


def test_decodes_with_telephone_mandarin_options(settings):
    model = FakeModel([seg(1.0, "您好")])
    run(model, settings, hotwords="夜郎印象连锁酒店")
    kw = model.calls[0]
    assert kw["language"] == "zh" and kw["word_timestamps"] is True
    # Our own VAD clips are decoded (batched), at temperature 0 only: no fallback re-decoding.
    assert kw["vad_filter"] is False and kw["clip_timestamps"] == [{"start": 0.0, "end": 20.0}]
    assert kw["temperature"] == 0.0 and kw["without_timestamps"] is False
    assert kw["condition_on_previous_text"] is False
    assert kw["initial_prompt"] == INITIAL_PROMPT and kw["hotwords"] == "夜郎印象连锁酒店"
    assert kw["beam_size"] == settings.asr_beam_size


def test_excluded_spans_are_silenced_before_decoding(settings):
    model = FakeModel([seg(1.0, "您好")])
    run(model, settings, exclude=[Span(start=5.0, end=8.0)])
    audio = model.audio[0]
    assert not np.any(audio[5 * SR : 8 * SR])
    assert np.any(audio[: 5 * SR]) and np.any(audio[8 * SR :])


def test_silence_spans_leaves_the_input_untouched():
    x = np.ones(SR, dtype=np.float32)
    y = silence_spans(x, [Span(start=0.25, end=0.5)])
    assert x.all() and not y[SR // 4 : SR // 2].any() and y[: SR // 4].all()


def test_words_inside_excluded_spans_are_dropped(settings):
    # Whisper placed text over the ringback that was zeroed out: none of it may survive.
    model = FakeModel([seg(4.0, "嘟嘟嘟"), seg(9.0, "您好")])
    out = run(model, settings, exclude=[Span(start=3.5, end=6.0)])
    assert [s.text for s in out] == ["您好。"]


def test_words_far_from_speech_are_dropped(settings):
    model = FakeModel([seg(1.0, "您好"), seg(12.0, "谢谢")])
    out = run(model, settings, speech=((0.8, 2.0),))
    assert "".join(s.text for s in out) == "您好。"


def test_channel_without_speech_never_reaches_the_model(settings):
    model = FakeModel([seg(1.0, "字幕由Amara.org社群提供")])
    assert transcribe(model, np.zeros(10 * SR, np.float32), settings=settings) == []
    assert transcribe(model, noise(10, 0.1), settings=settings, speech=[]) == []
    assert model.calls == []


@pytest.mark.parametrize("text", [
    "字幕由Amara.org社群提供", "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", "谢谢观看", "優優獨播劇場——YoYo Television Series Exclusive",
    "中文字幕志愿者 李宗盛", "以下是普通话的句子。", "(字幕制作:贝尔)", "谢谢大家观看!",
])
def test_known_hallucinations_are_dropped(settings, text):
    assert is_hallucination(text)
    assert run(FakeModel([seg(1.0, text, per_char=0.1)]), settings) == []


@pytest.mark.parametrize("text", ["谢谢您的来电，再见。", "好的，请您稍等。", "我想订阅你们的会员通知", "感谢您的耐心等待"])
def test_call_phrases_are_not_mistaken_for_hallucinations(settings, text):
    assert not is_hallucination(text)
    assert [s.text.rstrip("。") for s in run(FakeModel([seg(1.0, text, per_char=0.2)]), settings)] == [text.rstrip("。")]


def test_segments_with_no_speech_statistics_are_dropped(settings):
    segs = [
        seg(1.0, "你好", no_speech_prob=0.9, avg_logprob=-1.2),   # Whisper's own silence rule
        seg(3.0, "嗯嗯", avg_logprob=-2.0),                        # hopelessly improbable
        seg(5.0, "好的好的好的", compression_ratio=3.1),            # runaway repetition
        seg(7.0, "请问有什么可以帮您", prob=0.05),                  # hotwords read back
        seg(10.0, "您好"),
    ]
    assert [s.text for s in run(FakeModel(segs), settings)] == ["您好。"]


def test_unplaceable_words_are_dropped(settings):
    words = [FakeWord(1.0, 1.3, "您", 0.9), FakeWord(1.3, 1.6, "好", 0.9), FakeWord(1.6, 1.6, "请", 0.05)]
    out = run(FakeModel([FakeSegment(1.0, 1.6, "您好请", words)]), settings)
    assert [s.text for s in out] == ["您好。"]


def test_sound_captions_and_symbols_are_removed(settings):
    segs = [seg(1.0, "(音乐)", per_char=0.1), seg(3.0, "♪♪", per_char=0.1), seg(5.0, "【笑声】好的", per_char=0.1)]
    assert [s.text for s in run(FakeModel(segs), settings)] == ["好的。"]


def test_runaway_repetition_is_collapsed(settings):
    out = run(FakeModel([seg(1.0, "对对对对对对对对", per_char=0.1)]), settings)
    assert out[0].text == "对对。"


def test_output_is_simplified_chinese_with_chinese_punctuation(settings):
    out = run(FakeModel([seg(1.0, "歡迎致電，請問您貴姓？")]), settings)
    assert out[0].text == "欢迎致电，请问您贵姓？"
    assert "".join(w.text for w in out[0].words) == "欢迎致电，请问您贵姓？"
    assert to_simplified("夜郎印象連鎖酒店") == "夜郎印象连锁酒店"


def test_segment_spanning_the_other_partys_turn_is_split(settings):
    words = [FakeWord(1.0, 1.3, "您"), FakeWord(1.3, 1.6, "好"), FakeWord(6.0, 6.3, "好"), FakeWord(6.3, 6.6, "的")]
    out = run(FakeModel([FakeSegment(1.0, 6.6, "您好好的", words)]), settings)
    assert [(s.text, s.start, s.end) for s in out] == [("您好。", 1.0, 1.6), ("好的。", 6.0, 6.6)]




def test_encoder_frames_cover_the_longest_window_plus_the_pad():
    # faster-whisper aligns words over ceil(duration) seconds: those frames must all be there.
    assert encoder_frames([11.2, 4.0], 2.0) == 1400
    assert encoder_frames([12.0], 0.0) == 1200
    assert encoder_frames([27.5], 6.0) == 3000  # never past Whisper's 30 s
    assert encoder_frames([3.0], None) == 3000


def test_token_limit_scales_with_the_longest_window_within_the_room_left():
    assert token_limit([12.0, 3.0], 300) == 10 + 108
    assert token_limit([0.5], 300) == 10 + 5
    assert token_limit([28.0], 200) == 200


def test_speech_is_decoded_in_context_windows_and_mapped_back_to_the_recording(settings):
    # Speech at 2-4 s and 30-33 s: Whisper gets both with 0.8 s of their surrounding silence in one
    # window (6.6 s, not the 40 s channel); its times come back on the recording's timeline.
    model = FakeModel([seg(0.6, "您好"), seg(3.7, "谢谢")])
    out = run(model, settings, seconds=40.0, speech=((2.0, 4.0), (30.0, 33.0)))
    [window] = model.calls[0]["clip_timestamps"]
    assert (window["start"], round(window["end"], 2)) == (0.0, 6.6) and model.audio[0].size == round(6.6 * SR)
    assert [(s.text, round(s.start, 2), round(s.end, 2)) for s in out] == [("您好。", 2.2, 2.7), ("谢谢。", 30.5, 31.0)]


def test_speech_no_window_heard_is_decoded_again_with_whisper_s_30_s(settings):
    # Speech at 2-4 s decodes; 30-33 s comes back without a word and is decoded again on its own.
    model = FakeModel([seg(0.6, "您好")])
    run(model, settings, seconds=40.0, speech=((2.0, 4.0), (30.0, 33.0)))
    assert [c["encoder_pad_s"] for c in model.calls] == [ENCODER_PAD_S, None]
    [retry] = model.calls[1]["clip_timestamps"]
    assert round(retry["end"] - retry["start"], 2) == 3.8


def test_a_channel_that_gave_nothing_is_not_retried(settings):
    model = FakeModel([])
    run(model, settings, seconds=40.0, speech=((2.0, 4.0), (30.0, 33.0)))
    assert len(model.calls) == 1


def test_the_retry_decodes_without_the_hotwords(settings):
    model = FakeModel([seg(0.6, "您好")])
    run(model, settings, seconds=40.0, speech=((2.0, 4.0), (30.0, 33.0)), hotwords="夜郎印象连锁酒店 下午好")
    assert [c["hotwords"] for c in model.calls] == ["夜郎印象连锁酒店 下午好", None]


def test_a_channel_whose_only_window_repeated_its_prompt_is_retried_without_hotwords(settings):
    # A mono greeting decoded as the hotword prompt over and over (compression ratio 4.1): the
    # guard drops it, and the call had no text at all. The speech is decoded again, without the
    # prompt that looped, instead of being given up as music or noise.
    prompt = "下午好 夜郎印象连锁酒店 还有其他可以帮您"
    model = FakeModel([seg(0.6, prompt * 5, compression_ratio=4.1)])
    run(model, settings, seconds=20.0, speech=((2.0, 9.0),), hotwords=prompt)
    # (this stand-in loops every time, so both retry rounds run, neither with the prompt)
    assert [c["hotwords"] for c in model.calls] == [prompt, None, None]


def test_each_window_is_brought_to_minus_20_dbfs():
    x = np.concatenate([0.01 * np.ones(SR), np.zeros(SR), 0.5 * np.ones(SR)]).astype(np.float32)
    y = normalize_windows(x, [Span(start=0.0, end=1.0), Span(start=2.0, end=3.0)], target_dbfs=-20.0, max_gain_db=24.0)
    assert np.allclose(y[:SR], 0.1, atol=1e-4) and np.allclose(y[2 * SR :], 0.1, atol=1e-4)
    # The gain is capped: line noise in a window is not blown up to speech level.
    w = normalize_windows(np.full(SR, 1e-4, np.float32), [Span(start=0.0, end=1.0)], max_gain_db=24.0)
    assert np.allclose(w, 1e-4 * 10 ** (24 / 20), rtol=1e-3)


def test_a_looping_phrase_keeps_one_copy_and_real_repeats_survive():
    def words(*texts):
        return [Word(start=i * 0.1, end=i * 0.1 + 0.1, text=t) for i, t in enumerate(texts)]
    loop = words("请问", "有什么", "可以", "帮您", "请问", "有什么", "可以", "帮您", "请问", "有什么", "可以", "帮您", "？")
    assert "".join(w.text for w in drop_loops(loop)) == "请问有什么可以帮您？"
    assert "".join(w.text for w in drop_loops(words("好的", "好的", "好的", "好的"))) == "好的好的"
    phone = words(*"一三九零零零零一二三四")
    assert drop_loops(phone) == phone


@pytest.mark.parametrize(("words", "text"), [
    (["好的", " 那就", "订", "这个", "吧"], "好的，那就订这个吧。"),
    (["请问", "还有", "其他", "可以", "帮您", "的吗"], "请问还有其他可以帮您的吗？"),
    (["怎么", "就不", "归你", "管了", "?"], "怎么就不归你管了？"),
    (["我", "想", "订", " KTV", " 包厢"], "我想订 KTV包厢。"),
    (["对", "，", "没错", "。"], "对，没错。"),
])
def test_punctuation_is_restored_from_whisper_spaces(words, text):
    ws = [Word(start=i, end=i + 1.0, text=w) for i, w in enumerate(words)]
    out = punctuate(AsrSegment(start=0.0, end=len(words), text="".join(words), words=ws))
    assert out.text == text and "".join(w.text for w in out.words) == text
    assert punctuate(AsrSegment(start=0.0, end=1.0, text="好的 请您稍等")).text == "好的，请您稍等。"


def test_to_utterances_keeps_times_and_speaker():
    s = AsrSegment(start=1.0, end=2.0, text="您好", words=[Word(start=1.0, end=2.0, text="您好")])
    [u] = to_utterances([s], "agent")
    assert (u.speaker, u.start, u.end, u.text) == ("agent", 1.0, 2.0, "您好")


def test_hotwords_lead_with_the_brand_and_stay_short():
    assert domain_hotwords([]).startswith("夜郎印象连锁酒店") and len(domain_hotwords([])) <= 80


def test_hotwords_take_each_list_in_turn_and_skip_placeholders():
    hw = domain_hotwords([["早上好", "晚上好", "{n}号"], ["请问有什么可以帮您"]])
    assert hw == "夜郎印象连锁酒店 早上好 请问有什么可以帮您 晚上好"


def test_the_rule_set_gives_the_pipeline_its_hotword_lists():
    from qa_engine.config import REPO_ROOT
    from qa_engine.rules import load_ruleset

    lists = load_ruleset(REPO_ROOT / "rules").hotword_lists()
    assert lists and all(isinstance(p, str) for lst in lists for p in lst)
    assert "夜郎印象" in domain_hotwords(lists)


def test_garbled_fullwidth_commas_are_repaired(settings):
    out = run(FakeModel([seg(1.0, "好的Ｇ请您稍等１")]), settings)
    assert out[0].text == "好的，请您稍等。"
    assert "".join(w.text for w in out[0].words) == "好的，请您稍等。"


def test_decoder_loops_are_cut_back(settings):
    words = [FakeWord(1.0, 1.2, "好的")] + [FakeWord(1.2 + 0.2 * i, 1.4 + 0.2 * i, w) for i, w in enumerate(["依", "陈 "] * 8)]
    out = run(FakeModel([FakeSegment(1.0, 4.4, "好的" + "依陈 " * 8, words)]), settings)
    assert out[0].text == "好的依陈依陈。"


def test_phone_number_zeros_are_not_a_loop(settings):
    out = run(FakeModel([seg(1.0, "一三六零零零零七七八八")]), settings)
    assert out[0].text == "一三六零零零零七七八八。"


def test_a_word_aligned_into_the_pause_before_speech_starts_with_the_speech(settings):
    # The window starts 0.4 s before the speech (the kept pause); Whisper puts the first word there.
    model = FakeModel([FakeSegment(0.0, 1.0, "您好", [FakeWord(0.0, 0.6, "您"), FakeWord(0.6, 1.0, "好")])])
    out = run(model, settings, seconds=10.0, speech=((2.0, 4.0),))
    assert [(w.text, round(w.start, 2)) for w in out[0].words][0] == ("您", 2.0) and round(out[0].start, 2) == 2.0


class SkipsInLongWindows(FakeModel):
    """Whisper base on a mono mix: in a window longer than 14.5 s it hears only the first stretch
    of sound; in a shorter one it hears every stretch (好的 at its start)."""

    def transcribe(self, audio, **kwargs):
        self.calls.append(kwargs)
        segments = []
        for clip in kwargs["clip_timestamps"]:
            a, b = int(clip["start"] * SR), int(clip["end"] * SR)
            bursts = sound_bursts(np.asarray(audio[a:b]))
            if clip["end"] - clip["start"] > 14.5:
                bursts = bursts[:1]
            segments += [seg(clip["start"] + start + 0.1, "好的") for start, _end in bursts]
        return iter(segments), None


def test_speech_the_first_retry_skips_too_is_decoded_again_in_shorter_windows(settings):
    # Seven 2 s stretches of speech 10 s apart: the first pass and the first retry (windows of
    # 16-20 s) hear one stretch each; the second retry's shorter windows hear the other five.
    speech = [(1.0 + 10 * k, 3.0 + 10 * k) for k in range(7)]
    audio = np.zeros(70 * SR, dtype=np.float32)
    for a, b in speech:
        audio[int(a * SR): int(b * SR)] = noise(b - a)
    model = SkipsInLongWindows()
    out = transcribe(model, audio, settings=settings, speech=[Span(start=a, end=b) for a, b in speech])
    heard = {round(s.start) for s in out}
    assert heard == {round(a) for a, _b in speech}
    assert len(model.calls) == 3
