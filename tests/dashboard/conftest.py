"""A seeded SQLite database the dashboard reads through ``QA_DATA_DIR``, and AppTest helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import SQLModel
from streamlit.testing.v1 import AppTest

from qa_engine.api.demo import seed_demo
from qa_engine.config import REPO_ROOT, Settings, get_settings
from qa_engine.storage.db import get_engine
from qa_engine.storage.schema import import_all_models

USERS = {
    "admin": {"username": "admin", "role": "admin", "agent_id": None, "full_name": "系统管理员"},
    "inspector": {"username": "inspector", "role": "inspector", "agent_id": None, "full_name": "质检员"},
    "trainer": {"username": "trainer", "role": "trainer", "agent_id": None, "full_name": "培训师"},
    "supervisor": {"username": "supervisor", "role": "supervisor", "agent_id": None, "full_name": "值班主管"},
    "agent108": {"username": "agent108", "role": "agent", "agent_id": "108", "full_name": "108号坐席"},
}


@pytest.fixture(scope="session")
def _template(tmp_path_factory) -> Path:
    """Demo users, three hand-built calls (DEMO001 from the VIP customer) and its CRM record."""
    data_dir = tmp_path_factory.mktemp("dash_template")
    settings = Settings(data_dir=data_dir, database_url=None)
    import_all_models()
    SQLModel.metadata.create_all(get_engine(settings))
    seed_demo(settings)
    get_engine(settings).dispose()
    return data_dir


@pytest.fixture
def dash_db(tmp_path, monkeypatch, _template) -> Settings:
    data_dir = tmp_path / "data"
    shutil.copytree(_template, data_dir)
    # The stored calls point at the template's audio, which stays in place for the whole session.
    monkeypatch.setenv("QA_DATA_DIR", str(data_dir))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield get_settings()
    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def page(dash_db):
    """``page("call_review", user="inspector", call_id="DEMO001")`` → a run AppTest of that page."""

    def run(name: str, user: str = "inspector", **state) -> AppTest:
        at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "pages" / f"{name}.py"), default_timeout=60)
        at.session_state["user"] = USERS[user]
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run
