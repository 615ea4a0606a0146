"""Decoding: every accepted format and rate, role splitting, and one-line errors for bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from qa_engine.audio import content_hash, decode_audio, split_roles
from qa_engine.config import Settings
from qa_engine.errors import AudioError


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


def _tone(rate: int, seconds: float, channels: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    chans = [0.5 * np.sin(2 * np.pi * (freq * (c + 1)) * t) for c in range(channels)]
    return np.stack(chans, axis=1).astype(np.float32)


def _dominant_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / rate)[np.argmax(spec)])


WAV_SUBTYPES = ["PCM_16", "PCM_24", "PCM_32", "FLOAT", "ULAW", "ALAW"]


@pytest.mark.parametrize("subtype", WAV_SUBTYPES)
@pytest.mark.parametrize("rate", [8000, 16000, 44100])
@pytest.mark.parametrize("channels", [1, 2])
def test_wav_subtypes_rates_and_layouts_decode_to_16k(tmp_path, settings, subtype, rate, channels):
    path = tmp_path / "call.wav"
    sf.write(path, _tone(rate, 1.0, channels), rate, subtype=subtype)
    audio = decode_audio(path, settings)
    assert audio.sample_rate == 16000 and audio.original_sample_rate == rate
    assert audio.samples.dtype == np.float32 and audio.samples.shape[0] == channels
    assert abs(audio.duration_s - 1.0) < 0.01
    assert abs(_dominant_hz(audio.samples[0], 16000) - 440) < 3
    if channels == 2:
        assert abs(_dominant_hz(audio.samples[1], 16000) - 880) < 3


@pytest.mark.parametrize(
    ("fmt", "ext", "subtype"),
    [("FLAC", "flac", "PCM_16"), ("OGG", "ogg", "VORBIS"), ("MP3", "mp3", "MPEG_LAYER_III")],
)
@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_compressed_formats_decode(tmp_path, settings, fmt, ext, subtype, rate):
    if fmt not in sf.available_formats():
        pytest.fail(f"libsndfile lacks {fmt}")
    path = tmp_path / f"call.{ext}"
    sf.write(path, _tone(rate, 1.0, 2), rate, format=fmt, subtype=subtype)
    audio = decode_audio(path, settings)
    assert audio.original_sample_rate == rate and audio.samples.shape[0] == 2
    assert abs(audio.duration_s - 1.0) < 0.1  # MP3 adds encoder padding
    assert abs(_dominant_hz(audio.samples[0], 16000) - 440) < 5


def _write_m4a(path: Path, x: np.ndarray, rate: int) -> None:
    av = pytest.importorskip("av")
    layout = "mono" if x.shape[1] == 1 else "stereo"
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x.T), format="fltp", layout=layout)
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


@pytest.mark.parametrize("rate", [8000, 16000, 44100])
@pytest.mark.parametrize("channels", [1, 2])
def test_m4a_aac_decodes_through_pyav(tmp_path, settings, rate, channels):
    path = tmp_path / "call.m4a"
    _write_m4a(path, _tone(rate, 1.0, channels), rate)
    audio = decode_audio(path, settings)
    assert audio.original_sample_rate == rate and audio.samples.shape[0] == channels
    assert abs(audio.duration_s - 1.0) < 0.2  # AAC priming adds up to 2048 samples
    assert abs(_dominant_hz(audio.samples[0], 16000) - 440) < 5
    assert "aac" in audio.codec


def _assert_error_names_file(path: Path, settings: Settings, words: str) -> None:
    with pytest.raises(AudioError) as info:
        decode_audio(path, settings)
    message = str(info.value)
    assert message.startswith(str(path) + ": ") and "\n" not in message
    assert words in message


def test_missing_file_is_an_audio_error(tmp_path, settings):
    _assert_error_names_file(tmp_path / "nope.wav", settings, "not found")


def test_empty_file_is_an_audio_error(tmp_path, settings):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    _assert_error_names_file(path, settings, "empty")


def test_text_renamed_wav_is_an_audio_error(tmp_path, settings):
    path = tmp_path / "notes.wav"
    path.write_text("这不是音频文件\n" * 50, encoding="utf-8")
    _assert_error_names_file(path, settings, "not a readable audio file")


def test_truncated_header_is_an_audio_error(tmp_path, settings):
    good = tmp_path / "good.wav"
    sf.write(good, _tone(8000, 1.0, 1), 8000, subtype="PCM_16")
    path = tmp_path / "truncated.wav"
    path.write_bytes(good.read_bytes()[:20])
    _assert_error_names_file(path, settings, "")


def test_zero_length_audio_is_an_audio_error(tmp_path, settings):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros((0, 1), dtype=np.float32), 8000, subtype="PCM_16")
    _assert_error_names_file(path, settings, "zero length")


def test_digital_silence_is_an_audio_error(tmp_path, settings):
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros((8000, 2), dtype=np.float32), 8000, subtype="PCM_16")
    _assert_error_names_file(path, settings, "digital silence")


def test_more_than_two_channels_is_an_audio_error(tmp_path, settings):
    path = tmp_path / "surround.wav"
    sf.write(path, _tone(8000, 0.5, 3), 8000, subtype="PCM_16")
    _assert_error_names_file(path, settings, "3 channels")


def test_over_long_recording_is_an_audio_error(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, _tone(8000, 3.0, 1), 8000, subtype="PCM_16")
    _assert_error_names_file(path, Settings(data_dir=tmp_path, max_duration_s=2.0), "over the limit")


def test_over_long_m4a_is_an_audio_error(tmp_path):
    path = tmp_path / "long.m4a"
    _write_m4a(path, _tone(8000, 3.0, 1), 8000)
    _assert_error_names_file(path, Settings(data_dir=tmp_path, max_duration_s=2.0), "over the limit")


def _decoded(tmp_path, settings, channels: int):
    path = tmp_path / "c.wav"
    sf.write(path, _tone(8000, 1.5, channels), 8000, subtype="PCM_16")
    return decode_audio(path, settings)


def test_split_roles_left_and_right(tmp_path, settings):
    audio = _decoded(tmp_path, settings, 2)
    left = split_roles(audio, "left")
    right = split_roles(audio, "right")
    assert left.mono is None and np.array_equal(left.agent, audio.samples[0])
    assert np.array_equal(left.customer, audio.samples[1])
    assert np.array_equal(right.agent, audio.samples[1]) and np.array_equal(right.customer, audio.samples[0])


def test_stereo_with_mono_agent_channel_is_downmixed(tmp_path, settings):
    audio = _decoded(tmp_path, settings, 2)
    roles = split_roles(audio, "mono")
    assert roles.agent is None and roles.customer is None
    assert np.allclose(roles.mono, audio.samples.mean(axis=0))


def test_mono_file_is_mono_whatever_the_channel_field(tmp_path, settings):
    audio = _decoded(tmp_path, settings, 1)
    for channel in ("left", "right", "mono"):
        roles = split_roles(audio, channel)
        assert roles.agent is None and np.array_equal(roles.mono, audio.samples[0])


def test_content_hash_is_sha256_of_bytes(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"abc" * 1_000_000)
    assert content_hash(path) == hashlib.sha256(b"abc" * 1_000_000).hexdigest()


def test_a_wav_cut_off_while_written_is_decoded_and_marked_truncated(tmp_path, settings):
    # A disk filled during recording: the header promises 20 s, the file holds the first 6 s.
    whole = tmp_path / "whole.wav"
    sf.write(whole, _tone(8000, 20.0, 2), 8000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[: 44 + 6 * 8000 * 4])
    audio = decode_audio(cut, settings)
    assert round(audio.duration_s, 1) == 6.0 and round(audio.declared_duration_s, 1) == 20.0 and audio.truncated
    assert not decode_audio(whole, settings).truncated


def test_an_mp3_cut_off_is_marked_truncated(tmp_path, settings):
    whole = tmp_path / "whole.mp3"
    sf.write(whole, _tone(8000, 20.0, 1), 8000, format="MP3", subtype="MPEG_LAYER_III")
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    audio = decode_audio(cut, settings)
    assert audio.truncated and audio.declared_duration_s > audio.duration_s + 5
    assert not decode_audio(whole, settings).truncated


def test_a_recording_under_the_minimum_duration_is_refused_naming_the_cut(tmp_path, settings):
    whole = tmp_path / "whole.wav"
    sf.write(whole, _tone(8000, 93.0, 2), 8000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[:3000])  # the first 3 KB of a 93 s call
    _assert_error_names_file(cut, settings, "under the minimum of 1 s")
    with pytest.raises(AudioError, match="declares 93.0 s: the file is cut off"):
        decode_audio(cut, settings)
    assert decode_audio(cut, Settings(data_dir=tmp_path, min_duration_s=0.05)).truncated


def test_a_file_whose_decoding_would_exhaust_memory_is_refused_from_its_header(tmp_path):
    path = tmp_path / "hires.wav"
    sf.write(path, _tone(192000, 3.0, 2), 192000, subtype="PCM_16")
    # 3 s of 192 kHz stereo is 4.4 MB decoded: refused under a 2 MB limit, read under the default.
    _assert_error_names_file(path, Settings(data_dir=tmp_path, max_decode_mb=2), "QA_MAX_DECODE_MB")
    assert decode_audio(path, Settings(data_dir=tmp_path)).original_sample_rate == 192000
