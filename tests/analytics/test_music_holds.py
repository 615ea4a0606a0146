"""Music holds from the music's first audible second, on mono recordings too, and never a talk over music."""

from __future__ import annotations

from qa_engine.analytics import analyze_audio
from qa_engine.analytics.spans import intersect, total
from qa_engine.types import Span
from tests.analytics.conftest import near, record
from tests.analytics.synth import Call, fade, music

NOISE_DBFS = -50.0  # a noisy line: the quiet parts of the music are close to the noise


def _hold_call(track, start: float = 15.5) -> tuple[Call, float, float]:
    """Greeting, 请稍等, ``track`` as hold music from ``start``, the agent back, the customer replies."""
    c = Call(60.0, noise_dbfs=NOISE_DBFS)
    c.say("agent", 2.0, 5.0)
    c.say("customer", 7.6, 3.0)
    c.say("agent", 11.0, 4.0)
    end = c.put("agent", start, track)[1]
    c.say("agent", end + 0.5, 4.0)
    c.say("customer", end + 5.0, 3.0)
    return c, start, end


def _truth_speech(call: Call) -> dict[str, list[Span]]:
    return {role: [Span(start=a, end=b) for a, b in spans] for role, spans in call.truth.items()}


def _one_music_hold(metrics, start: float, end: float, tol: float = 1.0) -> None:
    assert [h.kind for h in metrics.holds] == ["music"], metrics.holds
    hold = metrics.holds[0]
    assert near(hold.start, start, tol) and near(hold.end, end, tol), (hold, start, end)
    assert total(intersect(metrics.dead_air, [hold])) == 0.0  # those seconds are the hold, not dead air


def test_music_fading_in_over_3_s_is_a_hold_from_its_first_audible_second():
    # -30 dBFS music faded in and out over 3 s from -50 dBFS, the line's noise level: it is
    # audible from the fade's first second. The detector proper finds it only once it is loud
    # (about 0.5 s in); the edges are held to the generated calls' 0.3 s here (the issue asks 1 s).
    call, start, end = _hold_call(fade(music(25.0, dbfs=-30.0), 3.0, 3.0, depth_db=20.0))
    _one_music_hold(analyze_audio(call.roles(), record()), start, end, tol=0.3)


def test_music_with_a_quiet_intro_is_a_hold_from_the_intro():
    # Six seconds of a soft intro at the noise's level, then the tune at -30 dBFS: the hold used
    # to start when the tune did, and the intro was reported as dead air.
    track = music(25.0, dbfs=-30.0)
    track[: 6 * 16000] *= 0.1
    call, start, end = _hold_call(track)
    _one_music_hold(analyze_audio(call.roles(), record()), start, end)


def test_music_hold_on_a_mono_mix_is_found_with_and_without_speaker_labels():
    call, start, end = _hold_call(fade(music(25.0, dbfs=-24.0), 0.3, 0.3, depth_db=40.0))
    _one_music_hold(analyze_audio(call.mono(), record()), start, end)
    _one_music_hold(analyze_audio(call.mono(), record(), speech=_truth_speech(call)), start, end)


def test_talking_over_background_music_is_not_a_hold():
    # Music under a whole conversation (a radio on the agent's side): the words are speech, the
    # music under them is not hold music, on the agent's channel and in a mono mix alike.
    call = Call(60.0)
    t = 1.0
    for i in range(10):
        call.say("agent" if i % 2 == 0 else "customer", t, 5.0)
        t += 5.5
    call.put("agent", 0.5, music(58.0, dbfs=-26.0))
    stereo = analyze_audio(call.roles(), record())
    assert stereo.holds == [] and stereo.dead_air == []
    for a, b in call.truth["agent"]:  # every agent turn is still mostly speech (and transcribed)
        assert total(intersect(stereo.speech["agent"], [Span(start=a, end=b)])) >= 0.7 * (b - a)
    labelled = analyze_audio(call.mono(), record(), speech=_truth_speech(call))
    assert labelled.holds == [] and labelled.dead_air == []
    assert analyze_audio(call.mono(), record()).holds == []
