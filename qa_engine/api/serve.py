"""Starting the servers: the API (uvicorn) and the dashboard (streamlit), as child processes.

The key that signs API tokens must be a secret: a server refuses to start with ``QA_SECRET_KEY``
unset or equal to the value published in the source. Only the demo runs without one: it generates
a key once and keeps it in the data directory (``demo_secret_key``).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

from qa_engine.config import BUILTIN_SECRET_KEY, REPO_ROOT, Settings
from qa_engine.errors import QAError

DASHBOARD = REPO_ROOT / "dashboard" / "app.py"
MIN_SECRET_CHARS = 32


class SecretKeyError(QAError):
    """The token-signing key is missing or public."""


def require_secret_key(settings: Settings) -> None:
    """Raise SecretKeyError (one line naming QA_SECRET_KEY) unless the key is a real secret."""
    key = settings.secret_key or ""
    if key == BUILTIN_SECRET_KEY or not key.strip():
        raise SecretKeyError("QA_SECRET_KEY is unset or the built-in value published in the source: set it to a "
                             "random secret of 32+ characters (python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    if len(key) < MIN_SECRET_CHARS:
        raise SecretKeyError(f"QA_SECRET_KEY is {len(key)} characters long: use a random secret of {MIN_SECRET_CHARS}+ characters")


def demo_secret_key(settings: Settings) -> str:
    """The demo's own key: generated on first use, kept (owner-only) in the data directory."""
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def serve_all(settings: Settings, *, api_port: int = 8000, dashboard_port: int = 8501, host: str = "127.0.0.1") -> None:
    """Start the API and the dashboard with this key and wait until interrupted or one exits."""
    require_secret_key(settings)
    # A service manager stops us with SIGTERM: leave through `finally`, so the children stop too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    env = {**os.environ, "QA_SECRET_KEY": settings.secret_key}
    api = subprocess.Popen([sys.executable, "-m", "qa_engine.api.serve", str(api_port), host], env=env)
    dash = subprocess.Popen(dashboard_command(host, dashboard_port), env=env)
    try:
        while api.poll() is None and dash.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (api, dash):
            proc.terminate()
        for proc in (api, dash):
            proc.wait(timeout=10)


def run_api(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API until interrupted (blocks). The schema must exist (``init_db``)."""
    import uvicorn

    from qa_engine.api.services.uploads import fail_interrupted_jobs

    require_secret_key(settings)
    fail_interrupted_jobs(settings)  # jobs of a crashed predecessor would stay "running" forever

    from qa_engine.api.main import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def dashboard_command(host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The command line that starts the dashboard (it reads the same ``QA_*`` environment)."""
    return [sys.executable, "-m", "streamlit", "run", str(DASHBOARD), "--server.headless", "true",
            "--server.address", host, "--server.port", str(port), "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "viewer"]


if __name__ == "__main__":  # python -m qa_engine.api.serve [port [host]]
    from qa_engine.config import get_settings

    try:
        run_api(get_settings(), port=int(sys.argv[1]) if len(sys.argv) > 1 else 8000,
                host=sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1")
    except SecretKeyError as exc:
        sys.exit(f"error: {exc}")
