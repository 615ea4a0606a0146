"""API routers, one per area; mounted under ``/api`` by :func:`qa_engine.api.main.create_app`."""
