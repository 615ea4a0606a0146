"""Starting the servers for the demo: the API (uvicorn) and the dashboard (streamlit)."""

from __future__ import annotations

import sys

from qa_engine.config import REPO_ROOT, Settings

DASHBOARD = REPO_ROOT / "dashboard" / "app.py"


def run_api(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API until interrupted (blocks). The schema must exist (``init_db``)."""
    import uvicorn

    from qa_engine.api.main import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def dashboard_command(host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The command line that starts the dashboard (it reads the same ``QA_*`` environment)."""
    return [sys.executable, "-m", "streamlit", "run", str(DASHBOARD), "--server.headless", "true",
            "--server.address", host, "--server.port", str(port), "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "viewer"]


if __name__ == "__main__":  # python -m qa_engine.api.serve [port]
    from qa_engine.config import get_settings

    run_api(get_settings(), port=int(sys.argv[1]) if len(sys.argv) > 1 else 8000)
