"""Scale-out: a real Redis, a real Celery worker process and the real Whisper model.

The worker runs in a subprocess (solo pool) against the test's database; recordings are short
generated calls (tests/test_ingest.py) plus one file that is not audio.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from qa_engine.config import REPO_ROOT, Settings
from qa_engine.storage.db import get_engine, session_scope
from qa_engine.storage.models import Call
from qa_engine.storage.schema import init_db
from tests.test_ingest import record, write_call



def test_the_task_is_acked_late_time_limited_and_retried_only_on_transient_database_errors(settings):
    from sqlalchemy.exc import IntegrityError, OperationalError

    from qa_engine.worker import TASK_NAME, create_app

    app = create_app(settings)
    task = app.tasks[TASK_NAME]
    assert task.acks_late and task.reject_on_worker_lost
    assert task.autoretry_for == (OperationalError, IntegrityError)
    assert app.conf.broker_url == settings.broker_url == "redis://127.0.0.1:6379/0" and app.conf.worker_prefetch_multiplier == 1
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit
    # Redis must not redeliver a call that is still running.
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(check, what: str, timeout_s: float, proc: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    pytest.fail(f"{what} not ready after {timeout_s} s:\n{log_path.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; scripts/test.sh installs it)")
    import redis

    port, log = _free_port(), tmp_path_factory.mktemp("redis") / "redis.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no"], stdout=out, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for(lambda: redis.Redis.from_url(url).ping(), "redis-server", 20, proc, log)
    yield url
    _stop(proc)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db_settings(request, tmp_path_factory) -> Settings:
    data_dir = tmp_path_factory.mktemp("data")
    settings = Settings(data_dir=data_dir, rules_dir=REPO_ROOT / "rules", database_url=None)
    if request.param == "postgres":
        url = os.environ.get("QA_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("QA_TEST_POSTGRES_URL is not set (scripts/test.sh starts PostgreSQL and sets it)")
        settings = settings.model_copy(update={"database_url": url})
        with get_engine(settings).begin() as conn:  # a clean database, as in tests/test_postgres.py
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    init_db(settings)
    return settings


@pytest.fixture(scope="module")
def client(redis_url, db_settings):
    """The producer's Celery app, pointed at the test Redis."""
    from qa_engine.worker import create_app

    app = create_app(db_settings)
    app.conf.update(broker_url=redis_url, result_backend=redis_url)
    yield app
    app.close()


@pytest.fixture(scope="module")
def worker(redis_url, db_settings, client, tmp_path_factory):
    """A real ``celery worker`` process with the test's data directory and database."""
    from qa_engine.worker import QUEUE

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {**os.environ, "QA_DATA_DIR": str(db_settings.data_dir), "QA_RULES_DIR": str(db_settings.rules_dir),
           # Read by Settings once it has these fields; until then `-b`/`--result-backend` below apply.
           "QA_BROKER_URL": redis_url, "QA_RESULT_BACKEND": redis_url}
    env.pop("QA_DATABASE_URL", None)
    if db_settings.database_url:
        env["QA_DATABASE_URL"] = db_settings.database_url
    name = f"test-{os.getpid()}@localhost"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "qa_engine.worker", "-b", redis_url, "--result-backend", redis_url,
             "worker", "--pool", "solo", "--loglevel", "info", "--queues", QUEUE, "--hostname", name,
             "--without-gossip", "--without-mingle"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    _wait_for(lambda: client.control.ping(destination=[name], timeout=1.0), "celery worker", 60, proc, log)
    yield proc
    _stop(proc)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("calls")
    write_call(d, "good", record("W1"))
    write_call(d, "mulaw", record("W2"), subtype="ULAW")
    (d / "notaudio.wav").write_text("this is not a recording", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def first_run(worker, client, folder):
    from qa_engine.worker_cli import collect, enqueue_folder

    return collect(enqueue_folder(folder, client), timeout_s=300)


def stored(settings) -> dict[str, Call]:
    with session_scope(settings) as s:
        return {c.call_id: c for c in s.exec(select(Call)).all()}


@pytest.mark.redis
def test_queued_recordings_are_analysed_and_stored_by_the_worker(first_run, db_settings):
    assert len(first_run.analysed) == 2
    calls = stored(db_settings)
    assert calls["W1"].status == calls["W2"].status == "analysed"
    assert calls["W1"].source_path.endswith("good.wav")


@pytest.mark.redis
def test_a_bad_file_is_stored_as_failed_with_an_error_naming_it(first_run, db_settings):
    assert len(first_run.failed) == 1
    path, error = first_run.failed[0]
    assert path.endswith("notaudio.wav") and "notaudio.wav" in error
    failed = [c for c in stored(db_settings).values() if c.status == "failed"]
    assert len(failed) == 1 and "notaudio.wav" in failed[0].error


@pytest.mark.redis
def test_the_task_result_names_path_status_and_call_id(first_run, worker, client, folder):
    result = client.send_task("qa_engine.analyze_recording", args=[str((folder / "good.wav").resolve())]).get(timeout=120)
    assert result == {"path": str((folder / "good.wav").resolve()), "status": "skipped", "call_id": "W1", "error": None}


@pytest.mark.redis
def test_enqueueing_the_same_folder_again_skips_stored_calls(first_run, worker, client, folder, db_settings, monkeypatch):
    import qa_engine.worker
    import qa_engine.worker_cli
    from qa_engine.worker_cli import worker_app

    before = {k: (c.id, c.updated_at) for k, c in stored(db_settings).items() if c.status == "analysed"}
    monkeypatch.setattr(qa_engine.worker, "app", client)
    monkeypatch.setattr(qa_engine.worker_cli, "get_settings", lambda: db_settings)
    out = CliRunner().invoke(worker_app, ["enqueue", str(folder), "--wait", "--timeout", "300"])
    assert out.exit_code == 0, out.output
    assert "analysed: 0  skipped (already stored): 2  failed: 1" in out.output
    assert "notaudio.wav" in out.output.split("failed: 1", 1)[1]
    after = {k: (c.id, c.updated_at) for k, c in stored(db_settings).items() if c.status == "analysed"}
    assert after == before
