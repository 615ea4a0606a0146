"""Shared fixtures: a Settings object pointing at a temporary data directory."""

from __future__ import annotations

import pytest

from qa_engine.config import REPO_ROOT, Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", rules_dir=REPO_ROOT / "rules", database_url=None)
