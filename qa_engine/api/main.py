"""The FastAPI application: ``create_app(settings)``. OpenAPI at ``/api/openapi.json``, Swagger UI at ``/docs``."""

from __future__ import annotations

from fastapi import FastAPI

from qa_engine.api.routes import appeals, auth, calibration, calls, coaching, crm, review, scorecards, users
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
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
                  # On-premises: no OpenTelemetry spans or exports, whatever the environment says.
                  telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False})
    app.state.settings = settings
    app.state.analyzer = analyzer or uploads.default_analyzer
    app.state.saver = saver or uploads.default_saver
    for module in (auth, users, calls, review, appeals, calibration, scorecards, coaching, crm):
        app.include_router(module.router, prefix=API_PREFIX)

    _mount_docs(app)

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    def health() -> dict:
        return {"status": "ok"}

    return app


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` and ReDoc at ``/redoc`` from files on this machine (on-premises: no
    CDN), shipped by the ``fastapi-offline`` package. Without it the pages use FastAPI's CDN links."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

    try:
        from importlib.resources import files

        static = files("fastapi_offline") / "static"
    except ModuleNotFoundError:
        swagger, redoc = {}, {}
    else:
        from fastapi.staticfiles import StaticFiles

        app.mount("/docs-assets", StaticFiles(directory=str(static)), name="docs-assets")
        swagger = {"swagger_js_url": "/docs-assets/swagger-ui-bundle.js", "swagger_css_url": "/docs-assets/swagger-ui.css",
                   "swagger_favicon_url": "/docs-assets/favicon.png"}
        redoc = {"redoc_js_url": "/docs-assets/redoc.standalone.js", "redoc_favicon_url": "/docs-assets/favicon.png",
                 "with_google_fonts": False}

    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} – API", **swagger)

    @app.get("/redoc", include_in_schema=False)
    def redoc_page():
        return get_redoc_html(openapi_url=app.openapi_url, title=f"{app.title} – API", **redoc)
