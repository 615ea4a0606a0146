"""A server never signs tokens with a published key: `qa-engine serve` refuses it; only the demo
runs without QA_SECRET_KEY, with a key it generates and keeps in the data directory."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request

import pytest

from qa_engine.api.serve import SecretKeyError, demo_secret_key, require_secret_key, run_api
from qa_engine.config import BUILTIN_SECRET_KEY, Settings

GOOD_KEY = "k" * 16 + "9f3Zq-Lx2u0PaVbN8cWrT4yE"


def serve(tmp_path, key: str | None, *args: str, timeout: float = 60):
    env = {k: v for k, v in os.environ.items() if k != "QA_SECRET_KEY"}
    env["QA_DATA_DIR"] = str(tmp_path / "data")
    if key is not None:
        env["QA_SECRET_KEY"] = key
    return subprocess.Popen([sys.executable, "-m", "qa_engine", "serve", *args], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("key", [None, BUILTIN_SECRET_KEY, "short-secret"])
def test_serve_refuses_a_missing_public_or_short_key_naming_it(tmp_path, key):
    proc = serve(tmp_path, key)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "QA_SECRET_KEY" in lines[0]
    assert not (tmp_path / "data").exists()  # nothing was created before the refusal


def test_the_api_server_itself_refuses_the_built_in_key(tmp_path):
    with pytest.raises(SecretKeyError, match="QA_SECRET_KEY"):
        run_api(Settings(data_dir=tmp_path))
    require_secret_key(Settings(data_dir=tmp_path, secret_key=GOOD_KEY))  # a real secret passes


def test_the_demo_key_is_generated_once_kept_owner_only_and_accepted(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    key = demo_secret_key(settings)
    assert key == demo_secret_key(settings) and len(key) >= 32 and key != BUILTIN_SECRET_KEY
    assert stat.S_IMODE((tmp_path / "data" / "secret_key").stat().st_mode) == 0o600
    require_secret_key(settings.model_copy(update={"secret_key": key}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_a_secret_key_starts_the_api(tmp_path):
    api, ui = _free_port(), _free_port()
    proc = serve(tmp_path, GOOD_KEY, "--api-port", str(api), "--ui-port", str(ui))
    try:
        deadline, status = time.time() + 60, None
        while time.time() < deadline and status != 200:
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{api}/docs", timeout=2).status
            except OSError:
                time.sleep(0.5)
        assert status == 200
    finally:
        proc.terminate()  # SIGTERM, as a service manager stops it
        proc.wait(timeout=30)
    # The API and the dashboard stopped with it.
    for port in (api, ui):
        with socket.socket() as s, pytest.raises(OSError):
            s.connect(("127.0.0.1", port))
