import builtins
from types import SimpleNamespace

import numpy as np
import pytest

from qa_engine.config import Settings
from qa_engine.diarization import PyannoteUnavailable, diarize, pyannote_backend


class FakeAnnotation:
    def __init__(self, tracks):
        self.tracks = tracks

    def itertracks(self, yield_label=False):
        for start, end, label in self.tracks:
            yield SimpleNamespace(start=start, end=end), "_", label


class FakePipeline:
    def __init__(self, output):
        self.output, self.calls = output, []

    def __call__(self, audio, num_speakers=None):
        self.calls.append((audio, num_speakers))
        return self.output


def test_injected_pipeline_gets_16k_input_and_two_speakers():
    fake = FakePipeline(FakeAnnotation([(1.0, 2.5, "SPEAKER_01"), (0.2, 0.9, "SPEAKER_00")]))
    diar = diarize(np.zeros(16000, np.float32), Settings(), pipeline=fake)
    audio, num_speakers = fake.calls[0]
    assert num_speakers == 2 and audio["sample_rate"] == 16000
    assert tuple(np.asarray(audio["waveform"]).shape) == (1, 16000)
    assert diar.backend == "pyannote"
    assert [(t.start, t.end, t.speaker) for t in diar.turns] == [(0.2, 0.9, "SPEAKER_00"), (1.0, 2.5, "SPEAKER_01")]


def test_pyannote4_output_object_is_unwrapped():
    fake = FakePipeline(SimpleNamespace(speaker_diarization=FakeAnnotation([(0.0, 1.0, "A")])))
    diar = pyannote_backend.diarize(np.zeros(1600, np.float32), Settings(), pipeline=fake)
    assert diar.speakers == ["A"]


def test_missing_pipeline_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PyannoteUnavailable, match="config.yaml"):
        diarize(np.zeros(1600, np.float32), Settings(diarization_pipeline=tmp_path / "nowhere"))


def test_missing_extra_names_the_install_command(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text("pipeline: {name: x}\n")
    pyannote_backend.load_pipeline.cache_clear()
    real_import = builtins.__import__

    def no_pyannote(name, *args, **kwargs):
        if name.startswith("pyannote") or name == "torch":
            raise ImportError(f"No module named '{name}'", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyannote)
    with pytest.raises(PyannoteUnavailable, match=r"pip install '\.\[pyannote\]'"):
        diarize(np.zeros(1600, np.float32), Settings(diarization_pipeline=tmp_path))


def test_excluded_spans_are_cut_from_pyannote_turns():
    from qa_engine.types import Span

    fake = FakePipeline(FakeAnnotation([(0.0, 1.0, "A"), (1.5, 4.0, "B")]))
    diar = diarize(np.zeros(4 * 16000, np.float32), Settings(), pipeline=fake, exclude=[Span(start=0.0, end=1.2)])
    assert [(t.start, t.end, t.speaker) for t in diar.turns] == [(1.5, 4.0, "B")]
