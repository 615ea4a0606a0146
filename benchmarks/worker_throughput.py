"""Throughput of Celery workers: calls per minute with 1, 2, … worker processes on this machine.

    python benchmarks/worker_throughput.py [--procs 1,2] [--threads 2] [FILES_OR_FOLDER...]

For each process count it starts a private redis-server, a fresh SQLite database and one
``celery worker --concurrency N`` (prefork), queues the recordings (default: the demo calls),
waits for them all and reports wall time, calls/min and audio-minutes/min. Model loading happens
at worker start-up (worker_process_init) and is excluded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import soundfile as sf  # noqa: E402

from qa_engine.config import REPO_ROOT, Settings  # noqa: E402
from qa_engine.ingest import find_recordings  # noqa: E402
from qa_engine.storage.schema import init_db  # noqa: E402
from qa_engine.worker import QUEUE, create_app  # noqa: E402
from qa_engine.worker_cli import collect  # noqa: E402


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(paths: list[Path], procs: int, threads: int, models_dir: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        port = _port()
        url = f"redis://127.0.0.1:{port}/0"
        redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no"],
                                 stdout=subprocess.DEVNULL)
        settings = Settings(data_dir=Path(tmp), model_cache_dir=models_dir)
        init_db(settings)
        env = {**os.environ, "QA_DATA_DIR": tmp, "QA_MODEL_CACHE_DIR": str(models_dir), "QA_ASR_THREADS": str(threads)}
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "qa_engine.worker", "-b", url, "--result-backend", url,
                                   "worker", "--concurrency", str(procs), "--queues", QUEUE, "--loglevel", "warning"],
                                  cwd=REPO_ROOT, env=env)
        app = create_app(settings)
        app.conf.update(broker_url=url, result_backend=url)
        try:
            time.sleep(3)
            while not app.control.ping(timeout=1.0):
                time.sleep(1)
            time.sleep(15)  # let every pool process finish loading the model
            t0 = time.perf_counter()
            summary = collect([app.send_task("qa_engine.analyze_recording", args=[str(p.resolve())]) for p in paths])
            elapsed = time.perf_counter() - t0
        finally:
            worker.terminate()
            worker.wait()
            redis.terminate()
            redis.wait()
        return elapsed, len(summary.analysed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", default="1,2")
    ap.add_argument("--threads", type=int, default=2, help="QA_ASR_THREADS per worker process")
    ap.add_argument("files", nargs="*", type=Path)
    args = ap.parse_args()
    paths = []
    for f in args.files or [REPO_ROOT / "audio_samples"]:
        paths += find_recordings(f) if f.is_dir() else [f]
    audio_min = sum(sf.info(p).duration for p in paths) / 60
    models_dir = Settings().models_dir
    print(f"{len(paths)} calls, {audio_min:.1f} audio minutes, {os.cpu_count()} CPUs, ASR threads per process: {args.threads}")
    for n in [int(x) for x in args.procs.split(",")]:
        elapsed, ok = run(paths, n, args.threads, models_dir)
        print(f"{n} worker process(es): {elapsed:6.1f} s  analysed {ok}/{len(paths)}  "
              f"{len(paths) / elapsed * 60:.2f} calls/min  {audio_min / elapsed * 60:.2f} audio-min/min  "
              f"load avg after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
