"""The ``qa-engine`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from qa_engine.config import get_settings
from qa_engine.errors import QAError

app = typer.Typer(help="Call-center QA engine: analyse recordings, ingest folders, manage rules and CRM.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
models_app = typer.Typer(help="Speech models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
retention_app = typer.Typer(help="Retention of recordings and transcripts (QA_RETENTION_DAYS).", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


def _mount_optional(module: str, attr: str, name: str) -> None:
    """Mount a sub-app from another package of this project."""
    import importlib

    sub = getattr(importlib.import_module(module), attr)
    app.add_typer(sub, name=name)


_mount_optional("qa_engine.rules.cli", "rules_app", "rules")
_mount_optional("crm.cli", "crm_app", "crm")
_mount_optional("qa_engine.users_cli", "users_app", "users")
try:  # scale-out workers need the optional extra: pip install ".[workers]"
    _mount_optional("qa_engine.worker_cli", "worker_app", "worker")
except ImportError:
    pass


CdrOption = Annotated[Path | None, typer.Option("--cdr", help="the PBX's call records: a CDR file (FreeSWITCH: or a folder of JSON CDRs)")]
CdrFormatOption = Annotated[str | None, typer.Option("--cdr-format", help="asterisk | freeswitch | csv:MAPPING.yaml (docs/PBX.md)")]


def _record_source(cdr: Path | None, cdr_format: str | None, settings):
    """The CDR source of --cdr/--cdr-format, or None for sidecars; its bad rows are listed on stderr."""
    from qa_engine.intake.source import CdrSource

    source = CdrSource.from_options(cdr, cdr_format, settings)
    if source is not None:
        for problem in source.table().problems:
            typer.echo(f"warning: {problem}", err=True)
    return source


@app.command()
def analyze(
    files: Annotated[list[Path], typer.Argument(help="recordings (each with an optional <name>.json call record)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the analysis as JSON (STANDARDS.md contract)")] = False,
    store: Annotated[bool, typer.Option("--store", help="also store the results in the database")] = False,
    cdr: CdrOption = None,
    cdr_format: CdrFormatOption = None,
) -> None:
    """Analyse recordings and print transcript, metrics, findings and score."""
    from qa_engine.ingest import save_analysis
    from qa_engine.pipeline import analyze_call

    settings = get_settings()
    source = _record_source(cdr, cdr_format, settings)
    results, failed = [], False
    for path in files:
        try:
            analysis = analyze_call(path, settings, record=source.record_for(path) if source else None)
        except QAError as exc:
            typer.echo(f"error: {exc}", err=True)
            failed = True
            continue
        if store:
            _init_db(settings)
            save_analysis(analysis, settings)
        results.append(analysis)
    if as_json:
        payload = [a.to_contract() for a in results]
        typer.echo(json.dumps(payload[0] if len(files) == 1 and payload else payload, ensure_ascii=False, indent=2))
    else:
        from qa_engine.report import print_analysis

        for analysis in results:
            print_analysis(analysis, settings.language)
    raise typer.Exit(1 if failed else 0)


@app.command()
def ingest(folder: Annotated[Path, typer.Argument(help="folder of recordings with call-record sidecars")],
           cdr: CdrOption = None, cdr_format: CdrFormatOption = None) -> None:
    """Analyse and store every recording in FOLDER not stored yet (safe to re-run)."""
    from tqdm import tqdm

    from qa_engine.ingest import find_recordings, ingest_files

    settings = get_settings()
    _require_folder(folder)
    source = _record_source(cdr, cdr_format, settings)
    _init_db(settings)
    paths = find_recordings(folder)
    with tqdm(total=len(paths), unit="call", desc="analysing") as bar:
        summary = ingest_files(paths, settings, on_progress=lambda _p: bar.update(1),
                               record_for=source.record_for if source else None)
    typer.echo(f"analysed: {len(summary.analysed)}  skipped (already stored): {len(summary.skipped)}  failed: {len(summary.failed)}")
    for path, reason in summary.failed:
        typer.echo(f"  failed: {reason}" if reason.startswith(path) else f"  failed: {path}: {reason}")
    raise typer.Exit(1 if summary.failed and not (summary.analysed or summary.skipped) else 0)


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="the folder the PBX records into")],
    cdr: CdrOption = None,
    cdr_format: CdrFormatOption = None,
    workers: Annotated[bool, typer.Option("--workers", help="queue recordings for the Celery workers instead of analysing here")] = False,
) -> None:
    """Analyse each new recording in FOLDER once complete, exactly once across restarts (SIGTERM/Ctrl-C stop)."""
    import signal
    import threading

    from qa_engine.intake import watch as watch_mod

    settings = get_settings()
    _require_folder(folder)
    source = _record_source(cdr, cdr_format, settings)
    _init_db(settings)
    if workers:
        from qa_engine.worker import analyze_recording

        dispatch = watch_mod.to_workers(settings, analyze_recording.delay, on_outcome=_echo_outcome)
    else:
        dispatch = watch_mod.in_process(settings, on_outcome=_echo_outcome)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, watch_mod.stop_on_signal(stop))
    typer.echo(f"watching {folder} (complete after {settings.watch_settle_s:g} s unchanged); stop with Ctrl-C or SIGTERM")
    watch_mod.Watcher(folder, settings, dispatch, record_for=source.record_for if source else None).run(stop)
    typer.echo("stopped")


def _echo_outcome(outcome) -> None:
    if outcome.status == "failed":
        typer.echo(f"failed: {outcome.error}", err=True)
    else:
        typer.echo(f"{outcome.status}: {outcome.path} ({outcome.call_id})")


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        typer.echo(f"error: {folder}: not a folder", err=True)
        raise typer.Exit(2)


@app.command()
def demo(
    serve: Annotated[bool, typer.Option(help="start the API and the dashboard afterwards")] = True,
    api_port: int = 8000,
    dashboard_port: int = 8501,
) -> None:
    """Analyse the demo calls, load demo CRM data and users, then start the service and dashboard."""
    from tqdm import tqdm

    from qa_engine import demo as demo_mod

    settings = get_settings()
    paths = demo_mod.find_recordings(demo_mod.DEMO_CALLS)
    with tqdm(total=len(paths), unit="call", desc="analysing demo calls") as bar:
        summary, logins = demo_mod.prepare_demo(settings, on_progress=lambda _p: bar.update(1))
    typer.echo(f"analysed: {len(summary.analysed)}  skipped (already stored): {len(summary.skipped)}  failed: {len(summary.failed)}")
    for path, reason in summary.failed:
        typer.echo(f"  failed: {reason}")
    typer.echo(f"database: {settings.db_url}")
    typer.echo(f"dashboard: http://localhost:{dashboard_port}   API: http://localhost:{api_port}/docs")
    typer.echo("demo logins: " + ", ".join(f"{u}/{p} ({r})" for u, p, r in logins))
    if serve:
        demo_mod.serve(settings, api_port=api_port, dashboard_port=dashboard_port)


@app.command()
def serve(
    api_port: int = 8000,
    ui_port: Annotated[int, typer.Option(help="the dashboard's port")] = 8501,
    host: Annotated[str, typer.Option(help="address to listen on (behind a reverse proxy: 127.0.0.1)")] = "127.0.0.1",
) -> None:
    """Start the API and the dashboard for production (QA_SECRET_KEY must be set to a secret)."""
    from qa_engine.api.serve import require_secret_key, serve_all

    settings = get_settings()
    require_secret_key(settings)  # before anything is touched: one line naming QA_SECRET_KEY
    _init_db(settings)
    typer.echo(f"database: {settings.db_url}")
    typer.echo(f"dashboard: http://{host}:{ui_port}   API: http://{host}:{api_port}/docs")
    serve_all(settings, api_port=api_port, dashboard_port=ui_port, host=host)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest migration."""
    settings = get_settings()
    _init_db(settings)
    typer.echo(f"database ready: {settings.db_url}")


@models_app.command("prepare")
def models_prepare() -> None:
    """Assemble and verify the ASR model in the cache directory (no network)."""
    from qa_engine.asr.model import ensure_model

    typer.echo(f"ASR model ready: {ensure_model(get_settings())}")


@retention_app.command("apply")
def retention_apply(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list what would be deleted, delete nothing")] = False,
) -> None:
    """Delete recordings and transcripts of calls older than QA_RETENTION_DAYS (legal holds excepted)."""
    from datetime import date

    from qa_engine import retention
    from qa_engine.storage.db import session_scope

    settings = get_settings()
    if settings.retention_days is None:
        typer.echo("QA_RETENTION_DAYS is not set: recordings are kept forever, nothing to do")
        return
    _init_db(settings)
    with session_scope(settings) as session:
        report = retention.apply(session, days=settings.retention_days, today=date.today(), dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    typer.echo(f"calls before {report.cutoff}: {verb} {len(report.purged)}, {len(report.files)} files; "
               f"on legal hold {len(report.held)}")
    for call_id in report.purged:
        typer.echo(f"  {verb} {call_id}")
    for call_id in report.held:
        typer.echo(f"  kept (legal hold) {call_id}")


def _init_db(settings) -> None:
    from qa_engine.storage.schema import init_db

    init_db(settings)


def main() -> None:
    try:
        app()
    except QAError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
