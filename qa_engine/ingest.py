"""Ingest a folder of recordings: analyse each new one and store it, idempotently."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa_engine.audio import content_hash
from qa_engine.callrecord import CallRecord, load_call_record, local_start, parse_call_record
from qa_engine.config import Settings
from qa_engine.errors import InputError, QAError
from qa_engine.pipeline import analyze_call
from qa_engine.storage.db import session_scope
from qa_engine.storage.repository import ConflictError, call_by_hash, store_analysis, store_failure
from qa_engine.types import CallAnalysis

logger = logging.getLogger(__name__)
AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus"}
# Where a recording's call record comes from: its sidecar by default, or a PBX's CDR (qa_engine/intake).
RecordFor = Callable[[Path], CallRecord]


@dataclass
class IngestSummary:
    analysed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def sidecar_records(settings: Settings) -> RecordFor:
    """The default source of call records: each recording's ``<name>.json`` sidecar."""
    return lambda path: load_call_record(path, settings)


def find_recordings(folder: Path) -> list[Path]:
    """Audio files under ``folder`` (recursively), in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)


def ingest_files(paths: Iterable[Path], settings: Settings, *, model=None, ruleset=None,
                 on_progress: Callable[[Path], None] | None = None, record_for: RecordFor | None = None) -> IngestSummary:
    """Analyse and store each recording not stored yet; failures are stored with their error."""
    summary = IngestSummary()
    for path in paths:
        outcome = ingest_one(path, settings, model=model, ruleset=ruleset, record_for=record_for)
        if outcome.status == "failed":
            summary.failed.append((outcome.path, outcome.error or ""))
        else:
            getattr(summary, outcome.status).append(outcome.path)
        if on_progress:
            on_progress(path)
    return summary


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one recording: ``status`` is analysed, skipped or failed."""

    path: str
    status: str
    call_id: str | None = None
    error: str | None = None


def ingest_one(path: Path | str, settings: Settings, *, model=None, ruleset=None,
               record_for: RecordFor | None = None) -> IngestOutcome:
    """Analyse and store one recording unless stored already (the per-file step of ``ingest_files``)."""
    path = Path(path)
    record_for = record_for or sidecar_records(settings)
    try:
        digest = content_hash(path)
    except InputError as exc:
        return IngestOutcome(str(path), "failed", error=str(exc))
    with session_scope(settings) as session:
        stored = call_by_hash(session, digest)
        if stored is not None and stored.status == "analysed":
            return IngestOutcome(str(path), "skipped", stored.call_id)
    try:
        analysis = analyze_call(path, settings, model=model, ruleset=ruleset, record=record_for(path))
        save_analysis(analysis, settings)
        return IngestOutcome(str(path), "analysed", analysis.call_id)
    except (QAError, ConflictError) as exc:
        call_id = record_failure(path, digest, settings, str(exc), record_for)
        return IngestOutcome(str(path), "failed", call_id, str(exc))
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the batch
        logger.exception("unexpected error analysing %s", path)
        error = f"{path}: unexpected error ({type(exc).__name__}: {exc})"
        return IngestOutcome(str(path), "failed", record_failure(path, digest, settings, error, record_for), error)


def save_analysis(analysis: CallAnalysis, settings: Settings) -> None:
    """Store one analysis in its own transaction."""
    record = parse_call_record(analysis.call_record)
    start = local_start(record, settings.timezone)
    with session_scope(settings) as session:
        store_analysis(session, analysis=analysis, local_date=start.date() if start else None)


def record_failure(path: Path, digest: str, settings: Settings, error: str, record_for: RecordFor | None = None) -> str:
    """Store a recording that could not be analysed; returns the call_id it is stored under."""
    try:
        record = (record_for or sidecar_records(settings))(path)
    except InputError:
        record = None
    with session_scope(settings) as session:
        return store_failure(session, path=str(path), content_hash=digest, record=record, error=error).call_id
