"""``qa-engine analyze/ingest --cdr``: a PBX's CDR gives the same analysis contract as the sidecar.

Transcription is stubbed (tests/asr/fakes.py); decoding, measuring, rules and storage are real.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from qa_engine.config import get_settings
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call
from tests.asr.fakes import FakeModel, seg
from tests.test_ingest import write_call

FIXTURES = Path(__file__).parent / "fixtures"
INBOUND = "in-8008-13800138000-20261203-101502-1764728102.123"
# The sidecar equivalent of Master.csv's row for 1764728102.123
SIDECAR = {"call_id": "1764728102.123", "direction": "inbound", "agent_id": "108", "agent_channel": "left",
           "customer_number": "13800138000", "started_at": "2026-12-03T10:15:02+08:00", "ring_seconds": 7.0}


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr("qa_engine.pipeline.load_model",
                        lambda _s: FakeModel([seg(0.5, "早上好夜郎印象酒店我是108号请问有什么可以帮您")]))
    from qa_engine.cli import app

    runner = CliRunner()
    yield lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    get_settings.cache_clear()


@pytest.fixture
def calls(tmp_path) -> Path:
    folder = tmp_path / "monitor"
    folder.mkdir()
    write_call(folder, INBOUND, None)
    write_call(folder, "out-13900001234-108-20261203-110000-1764730800.130", None)
    write_call(folder, "in-8008-13900000000-20261203-150000-1764799999.999", None)  # no CDR row
    return folder


def test_analyze_with_asterisk_cdr_prints_the_same_contract_as_with_a_sidecar(cli, calls, tmp_path):
    with_cdr = cli("analyze", calls / f"{INBOUND}.wav", "--cdr", FIXTURES / "Master.csv", "--cdr-format", "asterisk", "--json")
    assert with_cdr.exit_code == 0, with_cdr.output
    sidecar_dir = tmp_path / "sidecar"
    sidecar_dir.mkdir()
    shutil.copy(calls / f"{INBOUND}.wav", sidecar_dir / "call.wav")
    (sidecar_dir / "call.json").write_text(json.dumps(SIDECAR), encoding="utf-8")
    with_sidecar = cli("analyze", sidecar_dir / "call.wav", "--json")
    a, b = _json(with_cdr.stdout), _json(with_sidecar.stdout)
    assert a["call_record"] == b["call_record"] and a["call_record"]["agent_id"] == "108"
    a.pop("source_path"), b.pop("source_path")
    assert a == b and a["metrics"]["rings"] == 2


def test_analyze_an_unmatched_recording_fails_with_one_line_naming_it(cli, calls):
    out = cli("analyze", calls / "in-8008-13900000000-20261203-150000-1764799999.999.wav",
              "--cdr", FIXTURES / "Master.csv", "--cdr-format", "asterisk")
    assert out.exit_code == 1
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "1764799999.999.wav: no CDR row" in errors[0]
    assert "warning:" in out.stderr and "Master.csv row 7" in out.stderr  # the CDR's own bad rows are listed


def test_ingest_with_cdr_stores_matched_calls_and_reports_the_unmatched_one(cli, calls):
    out = cli("ingest", calls, "--cdr", FIXTURES / "Master.csv", "--cdr-format", "asterisk")
    assert out.exit_code == 0, out.output
    assert "analysed: 2" in out.stdout and "failed: 1" in out.stdout and "1764799999.999.wav: no CDR row" in out.stdout
    with session_scope(get_settings()) as s:
        stored = {c.call_id: c for c in s.exec(select(Call)).all()}
    assert stored["1764728102.123"].direction == "inbound" and stored["1764728102.123"].ring_seconds == 7
    assert stored["1764730800.130"].direction == "outbound" and stored["1764730800.130"].agent_id == "108"
    failed = [c for c in stored.values() if c.status == "failed"]
    assert len(failed) == 1 and "no CDR row" in failed[0].error
    again = cli("ingest", calls, "--cdr", FIXTURES / "Master.csv", "--cdr-format", "asterisk")
    assert "analysed: 0  skipped (already stored): 2" in again.stdout


def test_cdr_without_format_is_refused_before_anything_is_read(cli, calls):
    with pytest.raises(Exception, match="--cdr and --cdr-format go together"):
        cli("ingest", calls, "--cdr", FIXTURES / "Master.csv")


def _json(text: str) -> dict:
    return json.loads(text[text.index("{"):])
