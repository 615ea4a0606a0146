"""Shared fixtures: a Settings object pointing at a temporary data directory."""

from __future__ import annotations

import pytest

from qa_engine.config import REPO_ROOT, Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", rules_dir=REPO_ROOT / "rules", database_url=None)


@pytest.fixture(scope="session")
def real_settings() -> Settings:
    """Settings for the tests that run the real Whisper model (``-m slow``): the shared model cache,
    so the model is assembled once per machine, and the repository's rule set."""
    return Settings(data_dir=REPO_ROOT / "data", rules_dir=REPO_ROOT / "rules")


@pytest.fixture(scope="session")
def real_model(real_settings):
    from qa_engine.asr.model import load_model

    return load_model(real_settings)
