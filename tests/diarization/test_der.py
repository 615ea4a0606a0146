from qa_engine.diarization import Turn, diarization_error_rate


def T(s, e, spk):
    return Turn(start=s, end=e, speaker=spk)


def test_perfect_hypothesis_with_other_labels_scores_zero():
    ref = [T(0, 5, "agent"), T(6, 10, "customer")]
    hyp = [T(0, 5, "SPEAKER_01"), T(6, 10, "SPEAKER_00")]
    result = diarization_error_rate(ref, hyp, collar=0.0)
    assert result.der == 0.0
    assert result.mapping == {"SPEAKER_01": "agent", "SPEAKER_00": "customer"}


def test_missed_false_alarm_and_confusion_add_up_over_reference_speech():
    ref = [T(0, 4, "a"), T(4, 8, "b")]  # 8 s of reference speech
    hyp = [T(0, 3, "x"), T(3, 4, "y"), T(4, 8, "y"), T(9, 10, "y")]  # 1 s confused, 1 s false alarm
    result = diarization_error_rate(ref, hyp, collar=0.0)
    assert round(result.confusion_s, 2) == 1.0
    assert round(result.false_alarm_s, 2) == 1.0
    assert round(result.missed_s, 2) == 0.0
    assert abs(result.der - 2 / 8) < 1e-6


def test_missed_speech_counts():
    result = diarization_error_rate([T(0, 10, "a")], [T(0, 6, "x")], collar=0.0)
    assert abs(result.der - 0.4) < 1e-6 and round(result.missed_s, 2) == 4.0


def test_collar_forgives_boundary_errors():
    ref = [T(0, 5, "a"), T(5, 10, "b")]
    hyp = [T(0, 5.2, "x"), T(5.2, 10, "y")]
    assert diarization_error_rate(ref, hyp, collar=0.0).der > 0
    assert diarization_error_rate(ref, hyp, collar=0.25).der == 0.0


def test_overlapping_reference_speech_counts_both_speakers():
    ref = [T(0, 4, "a"), T(2, 4, "b")]  # 6 s of speaker time
    hyp = [T(0, 4, "x")]
    result = diarization_error_rate(ref, hyp, collar=0.0)
    assert round(result.missed_s, 2) == 2.0 and abs(result.der - 2 / 6) < 1e-6


def test_one_to_one_mapping_charges_a_split_speaker():
    ref = [T(0, 10, "a")]
    hyp = [T(0, 5, "x"), T(5, 10, "y")]
    assert abs(diarization_error_rate(ref, hyp, collar=0.0).der - 0.5) < 1e-6
