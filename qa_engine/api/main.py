"""The FastAPI application: ``create_app(settings)``. OpenAPI docs at ``/docs`` and ``/redoc``."""

from __future__ import annotations

from fastapi import FastAPI

from qa_engine.api.routes import auth, calls, coaching, crm, review, scorecards
from qa_engine.api.services import uploads
from qa_engine.config import Settings, get_settings

API_PREFIX = "/api"


def create_app(settings: Settings | None = None, *, analyzer: uploads.Analyzer | None = None,
               saver: uploads.Saver | None = None) -> FastAPI:
    """The service for ``settings`` (default: from the environment).

    ``analyzer`` and ``saver`` default to ``qa_engine.pipeline.analyze_call`` and
    ``qa_engine.ingest.save_analysis``; tests pass fakes so no ASR model is loaded.
    The schema must exist already (``qa-engine db upgrade`` or ``init_db``).
    """
    settings = settings or get_settings()
    app = FastAPI(title="夜郎印象 call-center QA", version="0.1.0",
                  description="Calls, review, scorecards, coaching and the CRM panel of the QA service.",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url="/docs", redoc_url="/redoc",
                  # On-premises: no OpenTelemetry spans or exports, whatever the environment says.
                  telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False})
    app.state.settings = settings
    app.state.analyzer = analyzer or uploads.default_analyzer
    app.state.saver = saver or uploads.default_saver
    for module in (auth, calls, review, scorecards, coaching, crm):
        app.include_router(module.router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    def health() -> dict:
        return {"status": "ok"}

    return app
