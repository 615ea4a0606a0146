"""Uploaded recordings and re-analysis, run in the background with a job row to poll."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, select

from qa_engine.config import Settings
from qa_engine.storage.app_models import UploadJob
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import utcnow
from qa_engine.types import CallAnalysis

Analyzer = Callable[[Path, Settings], CallAnalysis]
Saver = Callable[[CallAnalysis, Settings], None]
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def default_analyzer(path: Path, settings: Settings) -> CallAnalysis:
    # Imported on use: the engine pulls in the ASR stack, which the API does not need to start.
    from qa_engine.pipeline import analyze_call

    return analyze_call(path, settings)


def default_saver(analysis: CallAnalysis, settings: Settings) -> None:
    from qa_engine.ingest import save_analysis

    save_analysis(analysis, settings)


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


class UploadError(Exception):
    """An upload refused before it is stored; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def looks_like_audio(head: bytes) -> bool:
    """The first bytes are those of a recording container this service decodes: WAV (RIFF/RIFX or
    RF64), MP3 (ID3 tag or an MPEG frame sync), AAC (ADTS), M4A (ftyp), FLAC or OGG."""
    return (head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE"
            or head[:3] == b"ID3" or head[:4] in (b"fLaC", b"OggS") or head[4:8] == b"ftyp"
            or len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def save_upload(settings: Settings, *, job_id: str, filename: str, data: BinaryIO, record: dict | None) -> Path:
    """Write the recording (and its call record as the ``.json`` sidecar) into its own folder.

    Refused with UploadError, and nothing left on disk, when it is not a recording (415) or larger
    than ``settings.max_upload_mb`` (413)."""
    name = _SAFE_NAME.sub("_", Path(filename or "recording.wav").name).lstrip(".") or "recording.wav"
    folder = uploads_dir(settings) / job_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    try:
        _copy_limited(data, path, settings.max_upload_mb << 20, name)
        if record is not None:
            path.with_suffix(".json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # no partial upload stays behind
        raise
    return path


def discard_upload(settings: Settings, job_id: str) -> None:
    """Remove a saved upload that was refused after saving (e.g. a record conflict)."""
    shutil.rmtree(uploads_dir(settings) / job_id, ignore_errors=True)


def _copy_limited(data: BinaryIO, path: Path, limit: int, name: str) -> None:
    with path.open("wb") as out:
        head = data.read(12)
        if not looks_like_audio(head):
            raise UploadError(415, f"{name}: not a recording (WAV, MP3, M4A/AAC, FLAC or OGG), judging by its first bytes")
        out.write(head)
        size = len(head)
        # Recordings can be large: copied in chunks, never whole in memory.
        while chunk := data.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise UploadError(413, f"{name}: over the upload limit of {limit >> 20} MB (QA_MAX_UPLOAD_MB)")
            out.write(chunk)


def new_job_id() -> str:
    return secrets.token_hex(8)


def create_job(session: Session, *, job_id: str, path: Path, username: str, kind: str = "upload",
               call_id: str | None = None) -> UploadJob:
    job = UploadJob(id=job_id, kind=kind, path=str(path), created_by=username, call_id=call_id)
    session.add(job)
    session.flush()
    return job


INTERRUPTED = "interrupted: the service stopped before the job finished; upload or re-analyse the recording again"


def fail_interrupted_jobs(settings: Settings) -> int:
    """Mark jobs a previous server process left queued or running as failed (they run as that
    process's background tasks, so nothing will finish them); returns how many."""
    with session_scope(settings) as session:
        jobs = session.exec(select(UploadJob).where(UploadJob.status.in_(("queued", "running")))).all()
        for job in jobs:
            job.status, job.error, job.finished_at = "failed", INTERRUPTED, utcnow()
            session.add(job)
        return len(jobs)


def run_job(settings: Settings, job_id: str, analyzer: Analyzer = default_analyzer, saver: Saver = default_saver) -> None:
    """Analyse and store the job's recording; the job row ends ``done`` or ``failed`` with the reason."""
    with session_scope(settings) as session:
        job = session.get(UploadJob, job_id)
        job.status = "running"
        path = Path(job.path)
    try:
        analysis = analyzer(path, settings)
        saver(analysis, settings)
        status, error, call_id = "done", None, analysis.call_id
    except Exception as exc:  # noqa: BLE001 - any failure must end up on the job, not in a log only
        status, error, call_id = "failed", f"{type(exc).__name__}: {exc}", None
    with session_scope(settings) as session:
        job = session.get(UploadJob, job_id)
        job.status, job.error, job.finished_at = status, error, utcnow()
        job.call_id = call_id or job.call_id
