"""A real SQLite database in a temp folder with hand-built analysed calls, and an API client."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from qa_engine.api.demo import CST, demo_analysis, ensure_demo_agents, store_call, write_demo_wav
from qa_engine.api.main import create_app
from qa_engine.api.services.users import ensure_demo_users
from qa_engine.config import Settings
from qa_engine.storage.db import get_engine, session_scope
from qa_engine.storage.schema import import_all_models

PASSWORDS = {"admin": "admin123", "supervisor": "super123", "inspector": "inspect123", "trainer": "train123",
             "agent108": "agent123"}


@pytest.fixture(scope="session")
def _template(tmp_path_factory) -> Path:
    """Built once: schema, demo users, agents 108 孙丽 (一组) and 109 吴刚 (二组), four calls on
    2026-11-20/21 scored with the real scorecard (copied for each test)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("template"), database_url=None)
    import_all_models()
    SQLModel.metadata.create_all(get_engine(settings))
    with session_scope(settings) as session:
        ensure_demo_users(session)
        ensure_demo_agents(session, [("108", "孙丽", "一组"), ("109", "吴刚", "二组")])
    audio = write_demo_wav(settings.data_dir / "audio" / "a.wav", seconds=4.0)
    base = datetime(2026, 11, 20, 9, 0, tzinfo=CST)
    for call_id, agent, start, fails in (
        ("C1", "108", base, ("talk.banned_phrases", "hold.max_60s")),
        ("C2", "108", base + timedelta(hours=2), ("close.anything_else",)),
        ("C3", "109", base + timedelta(hours=3), ()),
        ("C4", "109", base + timedelta(days=1), ("close.anything_else", "talk.dead_air")),
    ):
        store_call(demo_analysis(call_id, source_path=str(audio), agent_id=agent, started_at=start, fails=fails), settings)
    get_engine(settings).dispose()  # checkpoints the WAL into the file
    return Path(settings.db_url.removeprefix("sqlite:///"))


@pytest.fixture
def db(settings, _template):
    """A real SQLite database of this test's own (a copy of the template)."""
    settings = settings.model_copy(update={"secret_key": "test-secret-key-of-at-least-32-bytes!"})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(_template, settings.db_url.removeprefix("sqlite:///"))
    return settings


def fake_analyzer(path, settings):
    """Stands in for the engine: the call record beside the upload, analysed by hand."""
    import json

    record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    started = datetime.fromisoformat(record["started_at"])
    return demo_analysis(record["call_id"], source_path=str(path), agent_id=record["agent_id"], started_at=started,
                         fails=("close.thanks",), ruleset_version="demo-2")


@pytest.fixture
def client(db):
    with TestClient(create_app(db, analyzer=fake_analyzer, saver=store_call)) as c:
        yield c


@pytest.fixture
def login(client):
    """``login("inspector")`` → headers with that demo user's bearer token."""
    cache: dict[str, dict] = {}

    def headers(username: str) -> dict:
        if username not in cache:
            r = client.post("/api/auth/token", data={"username": username, "password": PASSWORDS[username]})
            assert r.status_code == 200, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return cache[username]

    return headers
