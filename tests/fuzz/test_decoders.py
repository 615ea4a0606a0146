"""Property-based tests of the input decoders: a recording or a call record of any shape ends in the
project's own InputError (one line naming the file) or in a result, never in another exception, and
never hangs (every example has a deadline)."""

from __future__ import annotations

import json
import struct
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa_engine.audio import declared_duration_s, decode_audio
from qa_engine.callrecord import CallRecord, load_call_record, parse_call_record
from qa_engine.config import Settings
from qa_engine.errors import AudioError, CallRecordError
from qa_engine.types import DecodedAudio

FUZZ = settings(max_examples=60, deadline=timedelta(seconds=3), database=None,
                suppress_health_check=[HealthCheck.too_slow])
_TMP = Path(tempfile.mkdtemp(prefix="qa-fuzz-"))
# Small limits so that a header declaring hours of audio is refused quickly, not decoded.
SETTINGS = Settings(data_dir=_TMP, max_duration_s=60, max_decode_mb=16)


def _decode(data: bytes, suffix: str) -> None:
    path = _TMP / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        result = decode_audio(path, SETTINGS)
    except AudioError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:
        assert isinstance(result, DecodedAudio) and result.samples.shape[1] > 0
    declared = declared_duration_s(path)
    assert declared is None or declared >= 0


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".wav", ".mp3", ".m4a", ".flac", ".ogg", ".bin"]))
def test_random_bytes_are_refused_with_an_audio_error(data, suffix):
    _decode(data, suffix)


def _wav(channels: int, rate: int, bits: int, block_align: int, data_size: int, payload: bytes, fmt_tag: int,
         riff_size: int | None) -> bytes:
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block_align & 0xFFFFFFFF, block_align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", data_size) + payload
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


_U16, _U32 = st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)


@FUZZ
@given(channels=st.one_of(st.integers(0, 3), _U16), rate=st.one_of(st.sampled_from([0, 1, 8000, 16000, 192000]), _U32),
       bits=st.sampled_from([0, 1, 8, 12, 16, 24, 32, 64, 0xFFFF]), block_align=st.one_of(st.integers(0, 8), _U16),
       data_size=st.one_of(st.integers(0, 64), _U32), payload=st.binary(max_size=2048),
       fmt_tag=st.sampled_from([0, 1, 3, 6, 7, 0xFFFE, 0x55, 0xFFFF]), riff_size=st.one_of(st.none(), _U32))
def test_wav_headers_with_malformed_sizes_rates_and_channels(channels, rate, bits, block_align, data_size, payload,
                                                             fmt_tag, riff_size):
    _decode(_wav(channels, rate, bits, block_align, data_size, payload, fmt_tag, riff_size), ".wav")


@pytest.fixture(scope="module")
def mp3_bytes() -> bytes:
    """Two seconds of a tone as MP3 (libsndfile writes MP3 from version 1.1)."""
    path = _TMP / "tone.mp3"
    t = np.arange(16000 * 2) / 16000
    sf.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000, format="MP3")
    return path.read_bytes()


@FUZZ
@given(cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8))
def test_truncated_and_damaged_mp3(mp3_bytes, cut, flips):
    data = bytearray(mp3_bytes[:int(len(mp3_bytes) * cut)])
    for where, value in flips:
        if data:
            data[int(where * (len(data) - 1))] = value
    _decode(bytes(data), ".mp3")


def test_the_untouched_mp3_decodes(mp3_bytes):
    path = _TMP / "whole.mp3"
    path.write_bytes(mp3_bytes)
    assert decode_audio(path, SETTINGS).samples.shape[1] > 16000


# --- call-record sidecars ----------------------------------------------------------------------------

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                     max_leaves=12)
_FIELDS = ["call_id", "direction", "agent_id", "agent_channel", "customer_number", "started_at", "ring_seconds",
           "hangup_by"]
_VALUES = _JSON | st.sampled_from(["inbound", "outbound", "left", "right", "mono", "agent", "customer",
                                   "2026-11-20T09:15:00+08:00", "2026-11-20T09:15:00", "2026-13-45T99:99:99+08:00",
                                   "", -1, 10**30, 1e308, float("inf"), float("nan")])


def _parse(data: object) -> None:
    try:
        record = parse_call_record(data, "fuzz.json")
    except CallRecordError as exc:
        assert str(exc).startswith("fuzz.json: ") and "\n" not in str(exc)
    else:
        assert isinstance(record, CallRecord)
        record.contract()  # and it serialises


@FUZZ
@given(data=_JSON)
def test_any_json_value_is_a_record_or_a_call_record_error(data):
    _parse(data)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(_FIELDS), _VALUES, min_size=3))
def test_records_with_malformed_fields(data):
    _parse(data)


@FUZZ
@given(data=st.binary(max_size=512) | st.text(max_size=200).map(str.encode))
def test_sidecar_files_of_any_bytes(data):
    recording = _TMP / "sidecar.wav"
    recording.with_suffix(".json").write_bytes(data)
    try:
        load_call_record(recording, SETTINGS)
    except CallRecordError as exc:
        assert str(exc).startswith(str(recording.with_suffix(".json")))


def test_valid_sidecar_still_parses():
    record = parse_call_record(json.loads('{"call_id": "C1", "direction": "inbound", "agent_channel": "left", '
                                          '"started_at": "2026-11-20T09:15:00+08:00", "ring_seconds": 3}'))
    assert record.call_id == "C1" and record.ring_seconds == 3
