"""Tunable analytics parameters (defaults follow STANDARDS.md and Chinese telephony practice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class ToneSpec:
    """A call-progress tone: its frequencies and on/off cadence."""

    name: str
    kind: Literal["ringback", "disconnect"]
    freqs_hz: tuple[float, ...]
    on_s: float
    off_s: float


CN_RINGBACK = ToneSpec("cn_ringback", "ringback", (450.0,), 1.0, 4.0)
NA_RINGBACK = ToneSpec("na_ringback", "ringback", (440.0, 480.0), 2.0, 4.0)
CN_BUSY = ToneSpec("cn_busy", "disconnect", (450.0,), 0.35, 0.35)
CN_CONGESTION = ToneSpec("cn_congestion", "disconnect", (450.0,), 0.7, 0.7)
NA_BUSY = ToneSpec("na_busy", "disconnect", (480.0, 620.0), 0.5, 0.5)


@dataclass(frozen=True)
class AnalyticsParams:
    """Every threshold the audio analytics use. Times in seconds, levels in dB."""

    # Rings: one ring per ring cycle (China: 1 s on + 4 s off); call-record ring_seconds / cycle.
    ring_cycle_s: float = 5.0
    tones: tuple[ToneSpec, ...] = field(default_factory=lambda: (CN_RINGBACK, NA_RINGBACK, CN_BUSY, CN_CONGESTION, NA_BUSY))
    tone_band_ratio: float = 0.6  # share of a frame's 150-3800 Hz energy inside the tone's bands
    tone_min_dbfs: float = -55.0  # quieter frames are never tones
    tone_freq_tolerance_hz: float = 8.0
    tone_on_tolerance: float = 0.3  # relative: a 1.0 s burst may last 0.7-1.3 s
    disconnect_min_bursts: int = 2
    hangup_tone_tolerance_s: float = 0.3  # disconnect tone may start this much before the last speech ends (VAD padding)
    # Music (hold music): sustained tonal, stationary spectrum over this window.
    music_window_s: float = 1.0
    music_similarity: float = 0.85  # median spectral similarity of neighbouring frames
    music_min_s: float = 2.0
    music_bridge_s: float = 1.5  # quiet passages inside a track shorter than this stay music
    # Music edges: a detected run grows over neighbouring frames whose noise-free spectrum stays
    # this similar (median over music_window_s; noise ~0.15, speech ≤ 0.65, music at 0 dB SNR ~0.85) and whose
    # level is this far above the noise floor: quiet intros and fades count from their first audible second.
    music_edge_similarity: float = 0.75
    music_edge_over_floor_db: float = 2.0
    # Silero-confident speech at least this long inside music is a voice over background music:
    # it is taken out of the music (shorter runs occur at a note's attack).
    music_voice_min_s: float = 0.5
    # Speech activity
    min_speech_s: float = 0.15  # speech fragments left after removing tones/music shorter than this are dropped
    # Holds and silences
    hold_min_s: float = 10.0  # agent absent at least this long (STANDARDS: hold.notice)
    hold_max_customer_share: float = 0.3  # customer talking more than this share of the gap: listening, not a hold
    hold_ask_slack_s: float = 0.5  # an agent turn ending this far into a silence still comes before it
    hold_ack_max_s: float = 1.5  # customer speech opening a silent gap longer than this is a turn, not "好的": dead air
    hold_music_share: float = 0.5  # music over this share of a hold: kind "music"
    hold_silence_share: float = 0.8  # near-floor frames over this share: kind "silence"
    dead_air_min_s: float = 5.0  # listed; the talk.dead_air rule applies its own 10 s limit
    silence_over_floor_db: float = 12.0  # frames within this of the channel's noise floor count as silent
    # Overlaps
    overlap_min_s: float = 0.2  # shorter double talk is VAD padding / backchannel timing noise
    # mono: a silence this long in the mix means the customer had stopped (the VAD bridges pauses under
    # 0.3 s and pads speech by 60 ms, so the shortest pause it leaves is about 0.2 s)
    takeover_pause_s: float = 0.2
    takeover_window_s: float = 0.5  # …when it lies this close to where the diarization changes speaker
    takeover_min_turn_s: float = 0.5  # shorter speech (嗯, 对) is a backchannel, not a turn taken or to take
    # Voice
    clip_level: float = 0.99
    pitch_fmin_hz: float = 65.0
    pitch_fmax_hz: float = 400.0
    pitch_max_speech_s: float = 60.0  # pitch is estimated on at most this much speech per speaker (speed)


DEFAULT_PARAMS = AnalyticsParams()
