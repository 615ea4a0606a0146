import hashlib
from pathlib import Path

import pytest

from qa_engine.asr import model as M
from qa_engine.asr.model import BundledModel, ModelError, assemble_model, ensure_bundled, ensure_model, resolve_compute_type
from qa_engine.config import Settings


def tiny_bundle(tmp_path: Path, monkeypatch, *, corrupt: bool = False) -> BundledModel:
    """A two-part 'model' in fake packages, so assembly is tested without 145 MB of weights."""
    pkg = tmp_path / "pkgs"
    files = {"p1/model.bin.part1": b"A" * 1000, "p2/model.bin.part2": b"B" * 500,
             "p2/config.json": b"{}", "p2/tokenizer.json": b"{}"}
    for rel, data in files.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_bytes(data)
    monkeypatch.setattr(M, "_package_file", lambda package, rel: pkg / package / Path(rel).name)
    whole = b"A" * 1000 + b"B" * 500
    sha = hashlib.sha256(whole if not corrupt else b"other").hexdigest()
    return BundledModel(name="tiny", sha256=sha, size=len(whole),
                        parts=(("p1", "data/model.bin.part1"), ("p2", "data/model.bin.part2")),
                        files=(("p2", "data/config.json"), ("p2", "data/tokenizer.json")))


def test_bundled_model_is_assembled_verified_and_marked(tmp_path, monkeypatch):
    bundle = tiny_bundle(tmp_path, monkeypatch)
    dest = ensure_bundled(bundle, tmp_path / "models")
    assert dest.name == f"whisper-tiny-{bundle.sha256[:12]}"
    assert (dest / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 500
    assert {p.name for p in dest.iterdir()} == {"model.bin", "config.json", "tokenizer.json", M.MARKER}
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]  # no temporary directory left


def test_reuse_does_not_rehash(tmp_path, monkeypatch):
    bundle = tiny_bundle(tmp_path, monkeypatch)
    dest = ensure_bundled(bundle, tmp_path / "models")
    monkeypatch.setattr(M, "_sha256", lambda p: pytest.fail("hashed again"))
    monkeypatch.setattr(M, "assemble_model", lambda *a, **k: pytest.fail("assembled again"))
    assert ensure_bundled(bundle, tmp_path / "models") == dest


def test_sha_mismatch_is_detected_and_leaves_nothing(tmp_path, monkeypatch):
    bundle = tiny_bundle(tmp_path, monkeypatch, corrupt=True)
    with pytest.raises(ModelError, match="SHA-256"):
        ensure_bundled(bundle, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_crash_during_assembly_leaves_no_half_model(tmp_path, monkeypatch):
    bundle = tiny_bundle(tmp_path, monkeypatch)

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(M.shutil, "copyfile", boom)
    with pytest.raises(OSError):
        ensure_bundled(bundle, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_tampered_model_is_rebuilt(tmp_path, monkeypatch):
    bundle = tiny_bundle(tmp_path, monkeypatch)
    dest = ensure_bundled(bundle, tmp_path / "models")
    (dest / M.MARKER).unlink()
    (dest / "model.bin").write_bytes(b"X" * 1500)  # same size, wrong content
    ensure_bundled(bundle, tmp_path / "models")
    assert (dest / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 500
    assert (dest / M.MARKER).is_file()


def test_unmarked_but_correct_model_is_hashed_once_and_marked(tmp_path, monkeypatch):
    bundle = tiny_bundle(tmp_path, monkeypatch)
    dest = ensure_bundled(bundle, tmp_path / "models")
    (dest / M.MARKER).unlink()
    monkeypatch.setattr(M, "assemble_model", lambda *a, **k: pytest.fail("assembled again"))
    assert ensure_bundled(bundle, tmp_path / "models") == dest and (dest / M.MARKER).is_file()


def test_assemble_model_publishes_atomically(tmp_path):
    part = tmp_path / "p"
    part.write_bytes(b"xyz")
    dest = assemble_model([part], [], tmp_path / "out" / "m", sha256=hashlib.sha256(b"xyz").hexdigest(), size=3)
    assert (dest / "model.bin").read_bytes() == b"xyz"


def test_missing_package_is_named(monkeypatch):
    with pytest.raises(ModelError, match="no-such-weights-pkg is not installed"):
        M._package_file("no_such_weights_pkg", "data/model.bin")


def test_custom_directory_is_used_as_is(tmp_path):
    d = tmp_path / "large-v3"
    d.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (d / name).write_text("x")
    assert ensure_model(Settings(data_dir=tmp_path, asr_model=str(d))) == d


@pytest.mark.parametrize("present, missing", [((), "does not exist"), (("config.json",), "missing model.bin"),
                                              (("model.bin",), "missing config.json")])
def test_custom_directory_errors_name_what_is_missing(tmp_path, present, missing):
    d = tmp_path / "m"
    if present:
        d.mkdir()
        for name in present:
            (d / name).write_text("x")
    with pytest.raises(ModelError, match=missing) as err:
        ensure_model(Settings(data_dir=tmp_path, asr_model=str(d)))
    assert "\n" not in str(err.value)


def test_unknown_model_name_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not a bundled model"):
        ensure_model(Settings(data_dir=tmp_path, asr_model="large-v3"))


def test_unsupported_compute_type_falls_back(monkeypatch, caplog):
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: {"float32", "int8"})
    assert resolve_compute_type("cpu", "float16") == "int8"
    assert resolve_compute_type("cpu", "int8") == "int8"
    assert "not supported" in caplog.text


def test_auto_device_picks_cpu_without_gpu(monkeypatch):
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 0)
    assert M.resolve_device("auto") == "cpu"
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    assert M.resolve_device("auto") == "cuda"


def test_load_model_is_cached_per_configuration(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(M, "ensure_model", lambda s: tmp_path)
    monkeypatch.setattr(M, "resolve_device", lambda d: "cpu")
    monkeypatch.setattr(M, "resolve_compute_type", lambda d, c: c)
    M._load.cache_clear()
    import faster_whisper

    monkeypatch.setattr(faster_whisper, "WhisperModel", lambda *a, **k: built.append((a, k)) or object())
    s = Settings(data_dir=tmp_path)
    assert M.load_model(s) is M.load_model(s)
    M.load_model(Settings(data_dir=tmp_path, asr_threads=1))
    assert len(built) == 2 and built[0][1]["compute_type"] == "int8" and built[0][1]["local_files_only"] is True
    M._load.cache_clear()
