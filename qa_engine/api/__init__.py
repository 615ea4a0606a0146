"""The QA service (FastAPI). ``create_app(settings)`` builds it; ``serve.run_api`` runs it."""

from qa_engine.api.main import create_app

__all__ = ["create_app"]
