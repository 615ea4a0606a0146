"""``qa-engine worker``: queue recordings for Celery workers and start workers."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qa_engine.config import get_settings

if TYPE_CHECKING:  # the engine (Whisper, rules) is imported only by commands that need it
    from qa_engine.ingest import IngestSummary

worker_app = typer.Typer(help="Scale out: queue recordings in Redis and run Celery workers (docs/SCALE_OUT.md).",
                         no_args_is_help=True)


def enqueue_folder(folder: Path, celery) -> list:
    """Queue every recording under ``folder`` (absolute paths: workers must see the same path)."""
    from qa_engine.ingest import find_recordings
    from qa_engine.worker import TASK_NAME

    return [celery.send_task(TASK_NAME, args=[str(p.resolve())]) for p in find_recordings(folder)]


def collect(results: list, *, on_done: Callable[[dict], None] | None = None, poll_s: float = 0.5,
            timeout_s: float | None = None) -> IngestSummary:
    """Wait for queued calls, in the order they finish, and sum them up like ``ingest_files``."""
    from qa_engine.ingest import IngestSummary

    summary, pending = IngestSummary(), list(results)
    deadline = time.monotonic() + timeout_s if timeout_s else None
    while pending:
        done = [r for r in pending if r.ready()]
        for r in done:
            outcome = _outcome(r)
            _add(summary, outcome)
            if on_done:
                on_done(outcome)
        pending = [r for r in pending if r not in done]
        if pending and deadline and time.monotonic() > deadline:
            for r in pending:
                _add(summary, {"path": r.id, "status": "failed", "error": f"task {r.id}: no result within {timeout_s:.0f} s"})
            break
        if pending and not done:
            time.sleep(poll_s)
    return summary


def _outcome(result) -> dict:
    if result.successful():
        return result.result
    # The task itself raised (e.g. the database stayed unreachable through every retry).
    return {"path": result.id, "status": "failed", "error": f"task {result.id}: {result.result!r}"}


def _add(summary: IngestSummary, outcome: dict) -> None:
    if outcome["status"] == "analysed":
        summary.analysed.append(outcome["path"])
    elif outcome["status"] == "skipped":
        summary.skipped.append(outcome["path"])
    else:
        summary.failed.append((outcome["path"], outcome.get("error") or "failed"))


@worker_app.command()
def enqueue(
    folder: Annotated[Path, typer.Argument(help="folder of recordings with call-record sidecars, on storage every worker sees")],
    wait: Annotated[bool, typer.Option("--wait", help="wait for the workers, show progress and a summary")] = False,
    timeout: Annotated[float | None, typer.Option(help="with --wait: give up after this many seconds")] = None,
) -> None:
    """Queue every recording in FOLDER for the workers and print the task ids (safe to re-run)."""
    from qa_engine.storage.schema import init_db
    from qa_engine.worker import app as celery

    if not folder.is_dir():
        typer.echo(f"error: {folder}: not a folder", err=True)
        raise typer.Exit(2)
    init_db(get_settings())  # workers never migrate: many starting at once would race
    results = enqueue_folder(folder, celery)
    for r in results:
        typer.echo(r.id)
    if not wait:
        return
    from tqdm import tqdm

    with tqdm(total=len(results), unit="call", desc="analysing") as bar:
        summary = collect(results, on_done=lambda _o: bar.update(1), timeout_s=timeout)
    print_summary(summary)
    raise typer.Exit(1 if summary.failed and not (summary.analysed or summary.skipped) else 0)


def print_summary(summary: IngestSummary) -> None:
    """The same summary lines as ``qa-engine ingest``."""
    typer.echo(f"analysed: {len(summary.analysed)}  skipped (already stored): {len(summary.skipped)}  failed: {len(summary.failed)}")
    for path, reason in summary.failed:
        typer.echo(f"  failed: {reason}" if reason.startswith(path) else f"  failed: {path}: {reason}")


@worker_app.command()
def run(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="worker processes on this machine (0: one per QA_ASR_THREADS cores)")] = 0,
    loglevel: Annotated[str, typer.Option(help="debug | info | warning | error")] = "info",
    pool: Annotated[str, typer.Option(help="prefork (time limits enforced) or solo (one call at a time, in-process)")] = "prefork",
    hostname: Annotated[str | None, typer.Option(help="worker node name (default celery@<host>)")] = None,
) -> None:
    """Start a Celery worker that analyses queued recordings (Ctrl-C finishes the current calls)."""
    from qa_engine.worker import QUEUE, app as celery

    settings = get_settings()
    # Each process runs Whisper on asr_threads threads: by default, one process per that many cores.
    n = concurrency or max(1, (os.cpu_count() or 1) // max(1, settings.asr_threads))
    argv = ["worker", "--concurrency", str(n), "--loglevel", loglevel, "--pool", pool, "--queues", QUEUE]
    if hostname:
        argv += ["--hostname", hostname]
    celery.worker_main(argv)
