"""Scale-out: a Celery app whose one task ingests one recording, on any number of machines.

The task runs the same idempotent per-file step as ``qa-engine ingest`` (``ingest.ingest_one``), so
a recording already stored is skipped, bad input is stored as 'failed' (never retried), and only
transient database errors are retried. Start workers with ``qa-engine worker run`` or
``celery -A qa_engine.worker worker``; see docs/SCALE_OUT.md.
"""

from __future__ import annotations

import dataclasses
import logging
from functools import cache
from pathlib import Path

from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from sqlalchemy.exc import IntegrityError, OperationalError

from qa_engine.config import Settings, get_settings

log = logging.getLogger(__name__)

TASK_NAME = "qa_engine.analyze_recording"
QUEUE = "qa_engine"


def broker_settings(settings: Settings) -> tuple[str, str, float]:
    """(broker URL, result backend URL, time limit per call in seconds) from ``settings``."""
    return settings.broker_url, settings.result_backend or settings.broker_url, settings.worker_time_limit_s


def create_app(settings: Settings) -> Celery:
    """A Celery app configured from ``settings`` (the module-level ``app`` uses ``get_settings()``)."""
    broker, backend, limit = broker_settings(settings)
    celery = Celery("qa_engine", broker=broker, backend=backend, set_as_current=False)
    celery.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_default_queue=QUEUE,
        # A call is acknowledged only when done: a worker that crashes or is killed mid-call
        # leaves it on the queue for another worker.
        task_acks_late=True, task_reject_on_worker_lost=True,
        # Calls take seconds to minutes: take one at a time so idle workers get the rest.
        worker_prefetch_multiplier=1,
        task_soft_time_limit=limit, task_time_limit=limit + 60,
        # Redis redelivers an unacknowledged message after this; it must outlast the longest call,
        # or a slow call would be started a second time on another worker.
        broker_transport_options={"visibility_timeout": int(2 * limit + 300)},
        result_expires=7 * 24 * 3600,
        broker_connection_retry_on_startup=True,
        timezone=settings.timezone,
    )
    # Retried: the database unreachable or locked (OperationalError), and two workers storing the
    # same call at once (IntegrityError on its unique hash/call_id; the retry then skips it or
    # stores it as a conflict). Bad input is stored as 'failed' by ingest_one and never raises here.
    celery.task(name=TASK_NAME, autoretry_for=(OperationalError, IntegrityError), max_retries=5,
                retry_backoff=5, retry_backoff_max=300, retry_jitter=True)(_analyze_recording)
    return celery


@cache
def _resources():
    """Settings, Whisper model and rule set, loaded once per worker process."""
    from qa_engine.asr.model import load_model
    from qa_engine.rules import load_ruleset

    settings = get_settings()
    return settings, load_model(settings), load_ruleset(settings.rules_dir)


def _analyze_recording(path: str, record: dict | None = None) -> dict:
    """Ingest one recording; returns {"path", "status": analysed|skipped|failed, "call_id", "error"}.

    ``record`` is the call record from a PBX's CDR (``qa-engine watch --workers``); without it the
    recording's sidecar is read."""
    from qa_engine.callrecord import parse_call_record
    from qa_engine.ingest import record_failure, ingest_one

    settings, model, ruleset = _resources()
    record_for = (lambda _path: parse_call_record(record, path)) if record is not None else None
    try:
        outcome = ingest_one(path, settings, model=model, ruleset=ruleset, record_for=record_for)
    except SoftTimeLimitExceeded:
        # Too slow to analyse is a property of the recording: store it as failed, do not retry.
        error = f"{path}: analysis took longer than {broker_settings(settings)[2]:.0f} s"
        from qa_engine.audio import content_hash

        call_id = record_failure(Path(path), content_hash(path), settings, error, record_for)
        return {"path": path, "status": "failed", "call_id": call_id, "error": error}
    if outcome.status == "failed":
        log.warning("failed: %s", outcome.error)
    return dataclasses.asdict(outcome)


@worker_process_init.connect
def _load_once_per_process(**_kwargs) -> None:
    # Load in each pool process (after the fork): CTranslate2 models must not cross a fork.
    try:
        _resources()
    except Exception:  # the first task reports the same error with its call
        log.exception("could not preload the ASR model and rule set")


app = create_app(get_settings())
analyze_recording = app.tasks[TASK_NAME]
