"""Mandarin transcription of one channel with faster-whisper, and turning segments into utterances.

The model is passed in (``load_model(settings)`` in production, a fake in tests). Whisper makes
text up from silence, tones and music, so four guards stand between the decoder and the
transcript: excluded spans (ringback, hold music, disconnect tone) are zeroed before decoding,
VAD keeps only speech, known hallucinated lines are dropped, and so are segments and words with
the statistics or timing of invented text. The aim is that not one character comes from a
non-speech sound.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel
from faster_whisper.vad import VadOptions
from pydantic import BaseModel, Field

from qa_engine.analytics.vad import speech_spans
from qa_engine.asr.layout import Layout, lay_out
from qa_engine.config import Settings
from qa_engine.types import Span, Speaker, Utterance, Word

SAMPLE_RATE = 16000
INITIAL_PROMPT = "以下是普通话的句子。"
BRAND = "夜郎印象连锁酒店"
# Used when rules/ has no phrase list marked ``hotword: true``.
DEFAULT_HOTWORDS = ("夜郎印象连锁酒店", "工号", "请问有什么可以帮您", "请您稍等", "感谢您的耐心等待", "还有其他可以帮您的吗", "感谢您的来电")
# Whisper's prompt holds max_length // 2 - 1 = 223 tokens and a CJK character is 1-3 tokens:
# beyond ~70 characters the hotwords crowd out the initial prompt and slow every window.
MAX_HOTWORD_CHARS = 70

# Turns on a phone line are short and close; 2 s pad-free silences would glue the two parties'
# turns together. Padding keeps initial consonants, and max_speech_duration_s bounds a window.
ASR_VAD = VadOptions(threshold=0.5, min_speech_duration_ms=200, min_silence_duration_ms=500,
                     speech_pad_ms=200, max_speech_duration_s=28.0)

# Segment statistics that mark invented text (Whisper's own thresholds, a little stricter).
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
VERY_LOW_LOGPROB = -1.6
MAX_COMPRESSION_RATIO = 2.4
# A word more than this far from any VAD speech is timing from nowhere.
SPEECH_TOLERANCE_S = 0.5
# Split a segment where two words are this far apart: the other party usually spoke in between.
SPLIT_GAP_S = 1.0
# Words the aligner could not place (zero length) with low probability are not in the audio.
MIN_WORD_S = 0.02
MIN_WORD_PROB = 0.3
# A segment whose words are on average this improbable is invented (hotwords read back).
MIN_MEAN_WORD_PROB = 0.35

# Lines Whisper learnt from subtitle credits and video outros (openai/whisper discussions #679
# and #928; seen in faster-whisper issues and many downstream filters). Matched on text with
# spaces and punctuation removed, lower-cased. Deliberately specific: no word an agent or caller
# would say (谢谢, 订阅 alone, 再见 are real call phrases and must survive).
HALLUCINATION_MARKS = (
    "字幕由", "字幕提供", "提供字幕", "字幕志愿者", "中文字幕", "字幕组", "字幕制作", "字幕by", "amaraorg",
    "社群提供", "社区提供", "明镜与点点", "点点栏目", "明镜需要您的支持", "欢迎订阅明镜", "请不吝点赞",
    "点赞订阅", "订阅转发", "打赏支持", "优优独播剧场", "独播剧场", "yoyotelevision", "谢谢观看",
    "感谢观看", "谢谢收看", "感谢收看", "谢谢大家观看", "下期再见", "我们下期", "李宗盛",
    "词曲", "作词", "作曲", "编曲", "以下是普通话的句子", "请订阅我的频道", "本视频由", "转载请注明",
    "thanksforwatching", "thankyouforwatching", "pleasesubscribe", "ご視聴",
)  # fmt: skip
_SQUASH = re.compile(r"[\s\W_]+", re.UNICODE)
# Sound-event captions: (音乐) [笑声] 【掌声】 ♪…
_CAPTION = re.compile(r"[\(（\[【《<][^\)）\]】》>]{0,12}[\)）\]】》>]|[♪♫♬🎵🎶]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_REPEAT = re.compile(r"(.{2,3}?)\1{3,}|(.)\2{5,}")
# A phrase of 4+ characters said twice in a row is a decoder loop, not speech.
_PHRASE_LOOP = re.compile(r"([^，。？！、]{4,16}?)[，。？！、]?\1(?:[，。？！、]?\1)*")
MAX_LOOP_WORDS = 10
# "，" "？" "！" "：" are three byte-level tokens (EF BC xx) and Whisper base sometimes gets the last
# byte wrong, writing a full-width letter or digit ("好的Ｇ请您稍等Ｇ"). Nobody dictates those in a
# Mandarin phone call: they are commas.
_FULLWIDTH_SLIP = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


class AsrSegment(BaseModel):
    """One decoded stretch of speech on one channel (times in seconds from the recording start)."""

    start: float
    end: float
    text: str
    words: list[Word] = Field(default_factory=list)
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC t2s); Chinese punctuation is kept."""
    return _t2s().convert(text) if text else text


def _fix_chars(text: str) -> str:
    return _FULLWIDTH_SLIP.sub("，", to_simplified(text))


def _squash(text: str) -> str:
    return _SQUASH.sub("", text).lower()


def is_hallucination(text: str) -> bool:
    """A known line Whisper makes up from silence or music (subtitle credits, video outros, the prompt)."""
    squashed = _squash(to_simplified(text))
    return any(mark in squashed for mark in HALLUCINATION_MARKS)


def _inside(t: float, spans: Sequence[Span]) -> bool:
    return any(s.start <= t <= s.end for s in spans)


def _near_speech(start: float, end: float, speech: Sequence[Span], tol: float) -> bool:
    return any(start < s.end + tol and end > s.start - tol for s in speech)


def silence_spans(samples: np.ndarray, spans: Iterable[Span], sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A copy of ``samples`` with every span set to zero."""
    out = np.array(samples, dtype=np.float32, copy=True)
    for span in spans:
        a = max(0, int(np.floor(span.start * sample_rate)))
        b = min(out.shape[-1], int(np.ceil(span.end * sample_rate)))
        if b > a:
            out[..., a:b] = 0.0
    return out


def _clean_text(text: str) -> str:
    text = _CAPTION.sub("", _fix_chars(text)).strip()
    # Runaway repetition ("好的好的好的好的…"): keep two copies of a short unit, one of a phrase.
    text = _PHRASE_LOOP.sub(lambda m: m.group(1), text)
    return _REPEAT.sub(lambda m: (m.group(1) or m.group(2)) * 2, text)


def _has_content(text: str) -> bool:
    return bool(_CJK.search(text) or re.search(r"[A-Za-z0-9]", text))


def _split_at_gaps(seg: AsrSegment, gap: float = SPLIT_GAP_S) -> list[AsrSegment]:
    if len(seg.words) < 2:
        return [seg]
    groups: list[list[Word]] = [[seg.words[0]]]
    for w in seg.words[1:]:
        if w.start - groups[-1][-1].end >= gap:
            groups.append([])
        groups[-1].append(w)
    if len(groups) == 1:
        return [seg]
    return [
        seg.model_copy(update={"start": g[0].start, "end": g[-1].end, "words": g, "text": _clean_text("".join(w.text for w in g))})
        for g in groups
    ]


def _unit(w: Word) -> str:
    return _squash(w.text)


def drop_loops(words: list[Word], keep: int = 2) -> list[Word]:
    """Remove a decoder loop: a run of words repeated over and over.

    A phrase of four or more characters said twice in a row ("请问有什么可以帮您请问有什么可以帮您")
    is a loop, cut back to one copy; a shorter unit of several words needs three copies ("依陈 依陈
    依陈") and keeps ``keep``; a single character needs six in a row (a phone number has 零零零零).
    """
    out: list[Word] = []
    i = 0
    while i < len(words):
        for size in range(1, MAX_LOOP_WORDS + 1):
            unit = [_unit(w) for w in words[i : i + size]]
            if len(unit) < size or not all(unit):
                continue
            reps = 1
            while [_unit(w) for w in words[i + reps * size : i + (reps + 1) * size]] == unit:
                reps += 1
            chars = sum(len(u) for u in unit)
            copies = 1 if chars >= 4 else keep
            if reps >= (2 if chars >= 4 else 6 if size == 1 and chars == 1 else 3):
                out.extend(words[i : i + copies * size])
                i += reps * size
                break
        else:
            out.append(words[i])
            i += 1
    return out


def _outside(w: Word, exclude: Sequence[Span]) -> Word:
    """``w`` with its edges moved out of any excluded span it reaches into (the aligner's slack
    around a clip border must not put a word's time inside silenced ringback or hold music)."""
    start, end = w.start, w.end
    for x in exclude:
        if x.start <= start < x.end < end:
            start = x.end
        if start < x.start < end <= x.end:
            end = x.start
    return w if (start, end) == (w.start, w.end) else w.model_copy(update={"start": start, "end": end})


def _on_speech(w: Word, speech: Sequence[Span]) -> Word:
    """``w`` kept inside the speech span it overlaps most: the aligner puts a window's first word
    at the window's start, in the pause kept before the speech (see qa_engine.asr.layout)."""
    best = max(speech, key=lambda s: min(w.end, s.end) - max(w.start, s.start), default=None)
    if best is None or min(w.end, best.end) <= max(w.start, best.start):
        return w
    start, end = max(w.start, best.start), min(w.end, best.end)
    return w if (start, end) == (w.start, w.end) else w.model_copy(update={"start": start, "end": end})


def _looped(seg) -> bool:
    """The segment's text repeats itself (gzip shrinks it more than real speech shrinks)."""
    return seg.compression_ratio > MAX_COMPRESSION_RATIO


def _guard(seg, exclude: Sequence[Span], speech: Sequence[Span]) -> AsrSegment | None:
    """The faster-whisper segment as an AsrSegment, or None when it is (or has become) invented text."""
    if seg.no_speech_prob > NO_SPEECH_PROB and seg.avg_logprob < LOW_LOGPROB:
        return None
    if seg.avg_logprob < VERY_LOW_LOGPROB or _looped(seg):
        return None
    if is_hallucination(seg.text):
        return None
    words = [
        Word(start=float(w.start), end=float(w.end), text=_fix_chars(w.word), probability=float(w.probability))
        for w in (seg.words or [])
    ]
    if words:
        if sum(w.probability for w in words) / len(words) < MIN_MEAN_WORD_PROB:
            return None
        kept = [w for w in words
                if not _inside((w.start + w.end) / 2, exclude)
                and _near_speech(w.start, w.end, speech, SPEECH_TOLERANCE_S)
                and not (w.end - w.start < MIN_WORD_S and w.probability < MIN_WORD_PROB)]
        kept = drop_loops([_on_speech(_outside(w, exclude), speech) for w in kept])
        if not kept:
            return None
        text = "".join(w.text for w in kept)
        words, start, end = kept, kept[0].start, kept[-1].end
    else:
        text, start, end = seg.text, float(seg.start), float(seg.end)
        if _inside((start + end) / 2, exclude) or not _near_speech(start, end, speech, SPEECH_TOLERANCE_S):
            return None
    text = _clean_text(text)
    if not _has_content(text) or is_hallucination(text):
        return None
    return AsrSegment(start=start, end=end, text=text, words=words, avg_logprob=float(seg.avg_logprob),
                      no_speech_prob=float(seg.no_speech_prob), compression_ratio=float(seg.compression_ratio))


# Decoding plan: a channel's speech in context windows of up to WINDOW_MAX_S (qa_engine.asr.layout),
# pauses kept up to MAX_PAUSE_S, decoded in batches.
WINDOW_MAX_S = 28.0
MAX_PAUSE_S = 0.8
# A word whose middle lies this far past the audio the decoder was given was placed from nowhere.
PLACE_TOLERANCE_S = 0.3
# Speech at least this long that no window gave a word for is decoded again in windows of its own,
# at most this long: a second round in shorter windows takes what the first retry skipped too (a
# mono call's whole turns, among the other party's unheard speech in a 23 s window).
RETRY_MIN_S = 0.8
RETRY_WINDOWS_S = (WINDOW_MAX_S, 14.0)
BATCH_SIZE = 8
# Each window's speech is brought to about -20 dBFS RMS (the level of normal telephone speech)
# before decoding: a quiet agent (-36 dBFS) decodes like a normal one. Gain is capped so a
# noise-only window is not blown up, and the peak never clips.
TARGET_DBFS = -20.0
MAX_GAIN_DB = 24.0
# The encoder reads a window's audio plus this much padding, not Whisper's full 30 s (see
# encoder_frames); retries read the full 30 s.
ENCODER_PAD_S = 2.0
# A decoder loop runs to Whisper's 448-token limit in beam search while the rest of its batch
# waits, and the guards drop its text anyway. Real telephone speech is at most about 6 tokens/s,
# so a window may generate 9 tokens per second plus 10.
MAX_TOKENS_PER_S = 9.0
MIN_TOKENS = 10
# Timestamp tokens let Whisper step over the pauses inside a window; without them it tends to end
# the window at the first pause.
WITHOUT_TIMESTAMPS = False


_PUNCT = "，。？！、；：,.?!;:…"
_ASCII_PUNCT = str.maketrans({",": "，", ".": "。", "?": "？", "!": "！", ";": "；", ":": "："})
_QUESTION_PARTICLES = ("吗", "呢", "么")
_CJK_OR_DIGIT = re.compile(r"[\u3400-\u9fff0-9]")


def _end_mark(text: str) -> str:
    return "？" if text.endswith(_QUESTION_PARTICLES) or text.startswith("请问") else "。"


def punctuate(seg: AsrSegment) -> AsrSegment:
    """Chinese punctuation where Whisper base left spaces: a pause between Chinese words becomes
    "，", ASCII marks next to Chinese become full-width, and the segment ends with "？" after a
    question particle (吗/呢/么, or a 请问 sentence) and "。" otherwise. Latin words keep their spaces.
    """
    def fix(prev: str, t: str) -> str:
        core = t.strip()
        if core and core[-1] in ",.?!;:" and (len(core) == 1 or _CJK_OR_DIGIT.match(core[-2])):
            core = core[:-1] + core[-1].translate(_ASCII_PUNCT)
        if prev and t[:1].isspace() and _CJK_OR_DIGIT.match(prev[-1]) and core and _CJK_OR_DIGIT.match(core[0]):
            return "，" + core
        if prev and t[:1].isspace() and core and not _CJK_OR_DIGIT.match(core[0]) and prev[-1] not in _PUNCT:
            return " " + core
        return core

    if seg.words and _squash("".join(w.text for w in seg.words)) == _squash(seg.text):
        words, text = [], ""
        for w in seg.words:
            t = fix(text, w.text)
            words.append(w.model_copy(update={"text": t}))
            text += t
    else:
        words, text = [], ""
        for piece in re.split(r"(?=\s)", seg.text):
            text += fix(text, piece)
    if not text:
        return seg
    if text[-1] in "，、；：":
        text = text[:-1]
        if words:
            words[-1] = words[-1].model_copy(update={"text": words[-1].text[:-1]})
    if text[-1] not in _PUNCT:
        mark = _end_mark(text)
        text += mark
        if words:
            words[-1] = words[-1].model_copy(update={"text": words[-1].text + mark})
    return seg.model_copy(update={"text": text, "words": words or seg.words})


def decode_options(settings: Settings, hotwords: str | None) -> dict:
    """Keyword arguments for ``BatchedInferencePipeline.transcribe`` (telephone Mandarin); the
    caller adds ``clip_timestamps``."""
    return dict(
        language=settings.asr_language,
        task="transcribe",
        beam_size=settings.asr_beam_size,
        vad_filter=False,
        word_timestamps=True,
        without_timestamps=WITHOUT_TIMESTAMPS,
        initial_prompt=INITIAL_PROMPT,
        hotwords=hotwords or None,
        # Each clip decodes on its own: a hallucination cannot feed the next clip.
        condition_on_previous_text=False,
        # The batched decoder has no fallback; the guards below judge each clip at temperature 0.
        temperature=0.0,
        compression_ratio_threshold=MAX_COMPRESSION_RATIO,
        log_prob_threshold=LOW_LOGPROB,
        no_speech_threshold=NO_SPEECH_PROB,
        batch_size=BATCH_SIZE,
    )


def normalize_windows(audio: np.ndarray, windows: Sequence[Span], *, target_dbfs: float = TARGET_DBFS,
                      max_gain_db: float = MAX_GAIN_DB, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A copy of ``audio`` with each window scaled to ``target_dbfs`` RMS (gain at most
    ``max_gain_db``, peak at most 0.99); audio outside the windows is left alone. A window is
    mostly speech (its pauses are cut to MAX_PAUSE_S), so its RMS is the speech's."""
    out = np.array(audio, dtype=np.float32, copy=True)
    for w in windows:
        a, b = int(w.start * sample_rate), int(np.ceil(w.end * sample_rate))
        x = out[a:b]
        rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
        if rms <= 1e-6:
            continue
        gain = min(10 ** ((target_dbfs - 20 * np.log10(rms)) / 20), 10 ** (max_gain_db / 20))
        peak = float(np.max(np.abs(x)))
        gain = min(gain, 0.99 / peak) if peak > 0 else gain
        out[a:b] = x * gain
    return out


def encoder_frames(durations: Sequence[float], pad_s: float | None, *, frames_per_second: int = 100,
                   max_frames: int = 3000) -> int:
    """Mel frames the encoder reads for a batch of windows of these durations: the longest window
    rounded up to whole seconds (faster-whisper aligns words over ``ceil(duration)`` seconds) plus
    ``pad_s`` of silence, never more than Whisper's 30 s; all 30 s when ``pad_s`` is None."""
    if pad_s is None:
        return max_frames
    longest = max(durations, default=0.0)
    return min(max_frames, int((np.ceil(longest) + pad_s) * frames_per_second))


def token_limit(durations: Sequence[float], room: int) -> int:
    """Tokens a batch of windows of these durations may generate: MAX_TOKENS_PER_S of the longest
    window plus MIN_TOKENS, within the ``room`` the prompt leaves."""
    longest = max(durations, default=0.0)
    return max(1, min(room, MIN_TOKENS + int(np.ceil(longest * MAX_TOKENS_PER_S))))


class ShortWindowPipeline(BatchedInferencePipeline):
    """faster-whisper's batched pipeline with two savings (the decoding itself is unchanged).

    The encoder reads a window's audio plus ``encoder_pad_s`` of padding instead of Whisper's full
    30 s (faster-whisper pads every window's mel to 30 s; CTranslate2 accepts fewer frames and the
    encoder's cost grows with its input). And a window may generate only ``token_limit`` tokens:
    beyond that it is looping, and its text is dropped as the guards would drop it.
    """

    encoder_pad_s: float | None = None
    looped = 0  # windows of the last transcribe() dropped at the token limit

    def transcribe(self, audio, *, encoder_pad_s: float | None = None, **kwargs):
        # Read by forward while the caller consumes the segments (the pipeline is not re-entrant
        # anyway: it keeps last_speech_timestamp between batches). Both savings apply to the
        # packed pass only (encoder_pad_s given): a retry decodes as faster-whisper does, so fast
        # speech that reached the limit in its window still gets its text.
        self.encoder_pad_s = encoder_pad_s
        self.looped = 0
        return super().transcribe(audio, **kwargs)

    def forward(self, features, tokenizer, chunks_metadata, options):
        if self.encoder_pad_s is None:
            return super().forward(features, tokenizer, chunks_metadata, options)
        durations = [c["duration"] for c in chunks_metadata]
        n = encoder_frames(durations, self.encoder_pad_s, frames_per_second=self.model.frames_per_second)
        limit = token_limit(durations, self.model.max_length - len(self._prompt(tokenizer, options)) - 1)
        # CTranslate2 generates at most max_new_tokens - 1 tokens: one more, so a loop stops at limit.
        options = dataclasses.replace(options, max_new_tokens=limit + 1)
        return super().forward(features[..., :n], tokenizer, chunks_metadata, options)

    def generate_segment_batched(self, features, tokenizer, options):
        encoder_output, outputs = super().generate_segment_batched(features, tokenizer, options)
        if self.encoder_pad_s is None:
            return encoder_output, outputs
        # A window that ran into the limit was looping (or is very fast speech): its text goes
        # (the guards would drop a loop too), and its clips are retried rather than kept half-decoded.
        for out in outputs:
            if len(out["tokens"]) >= options.max_new_tokens - 1:
                out["tokens"] = []
                self.looped += 1
        return encoder_output, outputs

    def _prompt(self, tokenizer, options) -> list[int]:
        # The prompt generate_segment_batched builds: it shares max_length with the output.
        previous = tokenizer.encode(options.initial_prompt) if options.initial_prompt is not None else []
        return self.model.get_prompt(tokenizer, previous, without_timestamps=options.without_timestamps,
                                     hotwords=options.hotwords)


def batched_pipeline(model):
    """A ``ShortWindowPipeline`` around a ``WhisperModel`` (its ``transcribe`` also takes
    ``encoder_pad_s``); anything else (a wrapper or a test double with ``transcribe(audio,
    **kwargs)``) is used as it is."""
    return ShortWindowPipeline(model) if isinstance(model, WhisperModel) else model


def transcribe(model, samples: np.ndarray, *, settings: Settings, exclude: Sequence[Span] = (),
               hotwords: str | None = None, speech: Sequence[Span] | None = None) -> list[AsrSegment]:
    """Transcribe one 16 kHz mono float32 channel; ``exclude`` spans are silenced first.

    ``speech`` (optional) are known speech spans of this channel; by default Silero VAD finds them.
    Only speech is decoded, in context windows (see "Decoding plan"); words far from speech are dropped.
    """
    audio = silence_spans(np.asarray(samples, dtype=np.float32).reshape(-1), exclude)
    if audio.size == 0 or not np.any(audio):
        return []
    if speech is None:
        speech = speech_spans(audio, SAMPLE_RATE, ASR_VAD)
    speech = [s for s in speech if not any(x.start <= s.start and s.end <= x.end for x in exclude)]
    if not speech:
        return []  # never let Whisper see a channel without speech: that is where it invents text
    decoder, options = batched_pipeline(model), decode_options(settings, hotwords)
    out, loops = _decode(decoder, options, audio, speech, exclude, speech, ENCODER_PAD_S)
    loops += getattr(decoder, "looped", 0)
    # Whisper base sometimes skips a stretch of a window; speech that got no word is decoded again
    # in windows of its own, with the full 30 s encoder input, and what that skips too once more in
    # shorter windows (RETRY_WINDOWS_S). A channel that gave nothing at
    # all is not retried (music or noise the VAD took for speech), unless a window looped (dropped
    # at the token limit, which fast speech can reach too, or by the compression-ratio guard).
    # The retry decodes without the hotwords: a window that loops often repeats its prompt
    # (下午好 夜郎印象连锁酒店 还有其他可以帮您 … over a mono greeting), and would again with it.
    for max_window_s in RETRY_WINDOWS_S:
        missed = [s for s in speech if s.end - s.start >= RETRY_MIN_S and not _heard(s, out)]
        if not missed or not (out or loops):
            break
        out += _decode(decoder, {**options, "hotwords": None}, audio, missed, exclude, speech, None,
                       max_window_s=max_window_s)[0]
    return sorted(out, key=lambda s: s.start)


def _heard(span: Span, segments: Sequence[AsrSegment]) -> bool:
    return any(w.start < span.end and w.end > span.start for s in segments for w in (s.words or [s]))


def _decode(decoder, options: dict, audio: np.ndarray, spans: Sequence[Span], exclude: Sequence[Span],
            speech: Sequence[Span], encoder_pad_s: float | None,
            max_window_s: float = WINDOW_MAX_S) -> tuple[list[AsrSegment], int]:
    """Decode ``spans`` of ``audio`` in context windows of up to ``max_window_s`` (see
    qa_engine.asr.layout) and bring the guarded segments back onto the recording's timeline; also
    the number of segments dropped as loops (compression ratio above MAX_COMPRESSION_RATIO)."""
    layout = lay_out(audio, spans, sample_rate=SAMPLE_RATE, max_pause_s=MAX_PAUSE_S, max_window_s=max_window_s)
    packed = normalize_windows(layout.audio, layout.windows)
    segments, _info = decoder.transcribe(packed, **options, encoder_pad_s=encoder_pad_s,
                                         clip_timestamps=[{"start": w.start, "end": w.end} for w in layout.windows])
    out: list[AsrSegment] = []
    loops = 0
    for seg in segments:
        loops += _looped(seg)
        placed = _on_recording(seg, layout)
        guarded = None if placed is None else _guard(placed, exclude, speech)
        if guarded is not None:
            out.extend(punctuate(s) for s in _split_at_gaps(guarded) if _has_content(s.text))
    return out, loops


def _on_recording(seg, layout: Layout):  # -> faster-whisper Segment | None
    """A faster-whisper segment with its times (and its words' times) on the recording's timeline:
    each word goes to the piece that holds its middle and stays inside it; a word placed past the
    audio the decoder was given is timing from nowhere and is dropped."""
    words = []
    for w in seg.words or []:
        mid = (float(w.start) + float(w.end)) / 2
        piece = layout.piece_at(mid)
        if piece.at - PLACE_TOLERANCE_S <= mid <= piece.until + PLACE_TOLERANCE_S:
            words.append(dataclasses.replace(w, start=piece.recording_time(float(w.start)),
                                             end=piece.recording_time(float(w.end))))
    if words:
        return dataclasses.replace(seg, start=words[0].start, end=words[-1].end, words=words)
    if seg.words:
        return None
    piece = layout.piece_at(float(seg.start))
    return dataclasses.replace(seg, start=piece.recording_time(float(seg.start)), end=piece.recording_time(float(seg.end)))


def to_utterances(segments: Iterable[AsrSegment], speaker: Speaker) -> list[Utterance]:
    """One utterance (a fragment: qa_engine.turns joins fragments into turns) per segment for ``speaker``."""
    return [Utterance(speaker=speaker, start=s.start, end=s.end, text=s.text, words=s.words) for s in segments]


def domain_hotwords(lists: Sequence[Sequence[str]], *, max_chars: int = MAX_HOTWORD_CHARS) -> str:
    """The brand name plus script phrases from the given phrase lists (the rule set's lists marked
    ``hotword: true``), kept short.

    Lists are taken round-robin (each list's first phrase, then each list's second, …) so every
    script step gets its canonical wording before any list gets a variant; a phrase contained
    in one already chosen adds nothing and is skipped.
    """
    lists = [list(lst) for lst in lists] or [[p] for p in DEFAULT_HOTWORDS]
    chosen: list[str] = [BRAND]
    used = len(BRAND)
    depth = max((len(lst) for lst in lists), default=0)
    for i in range(depth):
        for lst in lists:
            if i >= len(lst):
                continue
            p = to_simplified(str(lst[i]).strip())
            # Placeholders and regex syntax are no use as text to bias the decoder.
            if len(p) < 2 or re.search(r"[{}\[\]()*+?|\\^$<>]", p) or any(p in c for c in chosen):
                continue
            if used + len(p) > max_chars:
                continue
            chosen = [c for c in chosen if c not in p] + [p]
            used = sum(len(c) for c in chosen)
    # Space-separated: a "，" costs three byte-level tokens, and priming the decoder with it
    # makes Whisper base garble the commas it writes (see _FULLWIDTH_SLIP).
    return " ".join(chosen)
