"""Decoding recordings to 16 kHz float32 and splitting them into speaker roles.

libsndfile (``soundfile``) reads WAV in every PCM/float/μ-law/A-law flavour, FLAC, OGG and MP3;
PyAV (FFmpeg) reads what libsndfile cannot, such as M4A/AAC. Every problem with a file becomes one
``AudioError`` naming the file, so the CLI can print it as one line.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import soundfile as sf

from qa_engine.config import Settings
from qa_engine.errors import AudioError
from qa_engine.types import DecodedAudio, RoleAudio

TARGET_RATE = 16000
MAX_CHANNELS = 2


def decode_audio(path: Path, settings: Settings) -> DecodedAudio:
    """Decode ``path`` to float32 (channels, samples) at 16 kHz; raise AudioError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(path, "file not found")
    if path.stat().st_size == 0:
        raise AudioError(path, "file is empty (0 bytes)")
    try:
        samples, rate, codec = _read_soundfile(path, settings)
    except AudioError:
        raise
    except Exception as sf_exc:  # libsndfile could not parse it: try FFmpeg
        try:
            samples, rate, codec = _read_pyav(path, settings)
        except AudioError:
            raise
        except Exception as av_exc:
            raise AudioError(path, f"not a readable audio file ({_one_line(sf_exc)}; {_one_line(av_exc)})") from av_exc
    _check_content(path, samples, rate, settings)
    declared = declared_duration_s(path)
    duration = samples.shape[1] / rate
    if duration < settings.min_duration_s:
        cut = f"; its header declares {declared:.1f} s: the file is cut off" if declared and declared > duration + 0.5 else ""
        raise AudioError(path, f"is {duration:.2f} s long, under the minimum of {settings.min_duration_s:g} s "
                               f"(QA_MIN_DURATION_S){cut}")
    return DecodedAudio(
        path=str(path),
        sample_rate=TARGET_RATE,
        samples=resample(samples, rate, TARGET_RATE),
        original_sample_rate=rate,
        codec=codec,
        declared_duration_s=declared,
    )


def declared_duration_s(path: Path) -> float | None:
    """The duration the container promises: a WAV's data chunk size, or the duration in an
    MP3/M4A/FLAC/OGG header; None when the container does not say (or says "unknown").

    A recording cut off while it was written (disk full, crash) promises more than it holds."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if head[:4] in (b"RIFF", b"RIFX") and head[8:12] == b"WAVE":
                return _wav_declared_s(f, big_endian=head[:4] == b"RIFX")
    except OSError:
        return None
    return _container_declared_s(path)


def _wav_declared_s(f, *, big_endian: bool) -> float | None:
    order = ">" if big_endian else "<"
    block_align = rate = None
    while True:
        header = f.read(8)
        if len(header) < 8:
            return None
        chunk, size = header[:4], struct.unpack(order + "I", header[4:])[0]
        if chunk == b"fmt ":
            fmt = f.read(size)
            if len(fmt) < 14:
                return None
            rate, block_align = struct.unpack(order + "I", fmt[4:8])[0], struct.unpack(order + "H", fmt[12:14])[0]
            f.seek(size % 2, 1)
        elif chunk == b"data":
            # 0 and 0xFFFFFFFF are written by recorders that stream and never fix the header.
            if not rate or not block_align or size in (0, 0xFFFFFFFF):
                return None
            return size / block_align / rate
        else:
            f.seek(size + size % 2, 1)


def _container_declared_s(path: Path) -> float | None:
    try:
        import av

        with av.open(str(path)) as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            return container.duration / 1_000_000 if container.duration else None
    except Exception:  # noqa: BLE001 - a header we cannot read promises nothing
        return None


def _read_soundfile(path: Path, settings: Settings) -> tuple[np.ndarray, int, str]:
    with sf.SoundFile(str(path)) as f:
        _check_layout(path, f.channels, f.frames / f.samplerate if f.samplerate else 0.0, settings)
        check_decode_memory(path, f.frames * f.channels, settings)
        data = f.read(dtype="float32", always_2d=True)
        return data.T, int(f.samplerate), f"{f.format}/{f.subtype}"


def _read_pyav(path: Path, settings: Settings) -> tuple[np.ndarray, int, str]:
    import av  # imported lazily: only needed for containers libsndfile cannot read

    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise AudioError(path, "contains no audio stream")
        stream = container.streams.audio[0]
        rate = int(stream.rate or stream.codec_context.sample_rate or 0)
        channels = int(stream.codec_context.channels or 0)
        if rate <= 0:
            raise AudioError(path, "audio stream has no sample rate")
        declared = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
        _check_layout(path, channels, declared, settings)
        check_decode_memory(path, int(declared * rate) * max(channels, 1), settings)
        limit = int(settings.max_duration_s * rate) + rate  # stop decoding an over-long file early
        chunks, total = [], 0
        for frame in container.decode(stream):
            arr = frame.to_ndarray()
            if frame.format.is_planar:
                arr = arr.reshape(len(frame.layout.channels), -1)
            else:
                arr = arr.reshape(-1, len(frame.layout.channels)).T
            chunks.append(_to_float(arr))
            total += arr.shape[1]
            if total > limit:
                break
        name = stream.codec_context.name
    if not chunks:
        raise AudioError(path, "audio stream holds no samples")
    return np.concatenate(chunks, axis=1), rate, f"{container.format.name}/{name}"


def _to_float(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return arr.astype(np.float32, copy=False)
    if arr.dtype == np.uint8:
        return (arr.astype(np.float32) - 128.0) / 128.0
    return arr.astype(np.float32) / float(np.iinfo(arr.dtype).max + 1)


def _check_layout(path: Path, channels: int, duration_s: float, settings: Settings) -> None:
    if channels > MAX_CHANNELS:
        raise AudioError(path, f"has {channels} channels; only mono or stereo (one party per channel) is supported")
    if channels < 1:
        raise AudioError(path, "has no audio channels")
    if duration_s > settings.max_duration_s:
        raise AudioError(path, f"is {duration_s:.0f} s long, over the limit of {settings.max_duration_s:.0f} s (QA_MAX_DURATION_S)")


def check_decode_memory(path: Path, samples: int, settings: Settings) -> None:
    """Refuse, from the header, a file whose decoding would need more memory than allowed (a few-MB
    file at 192 kHz can declare an hour: gigabytes of float32 samples)."""
    need_mb = samples * 4 / 2**20
    if need_mb > settings.max_decode_mb:
        raise AudioError(path, f"would need {need_mb:,.0f} MB to decode, over the limit of {settings.max_decode_mb} MB "
                               "(QA_MAX_DECODE_MB); a lower sample rate or a shorter recording fits")


def _check_content(path: Path, samples: np.ndarray, rate: int, settings: Settings) -> None:
    _check_layout(path, samples.shape[0], samples.shape[1] / rate, settings)
    if samples.shape[1] == 0:
        raise AudioError(path, "contains no audio samples (zero length)")
    if not np.any(samples):
        raise AudioError(path, "contains only digital silence (every sample is zero)")
    if not np.all(np.isfinite(samples)):
        raise AudioError(path, "contains invalid (NaN or infinite) samples")


def resample(samples: np.ndarray, rate: int, target: int = TARGET_RATE) -> np.ndarray:
    """Resample (channels, samples) float32 audio; soxr when installed, polyphase filtering otherwise."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if rate == target:
        return samples
    try:
        import soxr

        return np.ascontiguousarray(soxr.resample(samples.T, rate, target, quality="HQ").T, dtype=np.float32)
    except ImportError:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(rate, target)
        return resample_poly(samples, target // g, rate // g, axis=1).astype(np.float32)


def split_roles(audio: DecodedAudio, agent_channel: str, path: Path | str | None = None) -> RoleAudio:
    """Assign channels to roles: left is channel 0, right channel 1.

    A stereo file whose call record says ``mono`` is downmixed to one signal. A mono file whose call
    record names a channel is treated as mono too (its parties are then told apart by diarization)
    rather than rejected: the recording is still analysable and the channel field is often a default.
    """
    x = audio.samples
    if x.shape[0] == 1:
        return RoleAudio(sample_rate=audio.sample_rate, mono=x[0])
    if agent_channel == "mono":
        return RoleAudio(sample_rate=audio.sample_rate, mono=x.mean(axis=0).astype(np.float32))
    if agent_channel not in ("left", "right"):
        raise AudioError(path or audio.path, f"agent_channel must be left, right or mono, not {agent_channel!r}")
    agent = 0 if agent_channel == "left" else 1
    return RoleAudio(sample_rate=audio.sample_rate, agent=x[agent], customer=x[1 - agent])


def content_hash(path: Path | str) -> str:
    """SHA-256 hex digest of the file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise AudioError(path, f"cannot be read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]
