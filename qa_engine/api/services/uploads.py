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


def save_upload(settings: Settings, *, job_id: str, filename: str, data: BinaryIO, record: dict | None) -> Path:
    """Write the recording (and its call record as the ``.json`` sidecar) into its own folder."""
    name = _SAFE_NAME.sub("_", Path(filename or "recording.wav").name).lstrip(".") or "recording.wav"
    folder = uploads_dir(settings) / job_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("wb") as out:
        shutil.copyfileobj(data, out, length=1 << 20)  # recordings can be large: no full copy in memory
    if record is not None:
        path.with_suffix(".json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return path


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
