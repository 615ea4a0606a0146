import json
from datetime import datetime, timedelta, timezone

import pytest

from qa_engine.callrecord import load_call_record, local_start, parse_call_record
from qa_engine.errors import CallRecordError

GOOD = {"call_id": "C0001", "direction": "inbound", "agent_id": "108", "agent_channel": "left",
        "customer_number": "13900001234", "started_at": "2026-11-20T09:15:00+08:00",
        "ring_seconds": 7.5, "hangup_by": "customer"}


def test_valid_sidecar_is_parsed_with_types():
    rec = parse_call_record(GOOD)
    assert rec.direction == "inbound" and rec.ring_seconds == 7.5
    assert rec.started_at == datetime(2026, 11, 20, 9, 15, tzinfo=timezone(timedelta(hours=8)))


def test_optional_fields_may_be_missing():
    data = {k: v for k, v in GOOD.items() if k not in ("ring_seconds", "hangup_by")}
    rec = parse_call_record(data)
    assert rec.ring_seconds is None and rec.hangup_by is None


def test_numeric_agent_id_is_kept_as_text():
    assert parse_call_record({**GOOD, "agent_id": 108}).agent_id == "108"


@pytest.mark.parametrize("field,value,expected", [
    ("direction", "sideways", "direction"),
    ("agent_channel", "center", "agent_channel"),
    ("ring_seconds", -1, "ring_seconds"),
    ("started_at", "2026-11-20T09:15:00", "UTC offset"),
    ("hangup_by", "nobody", "hangup_by"),
])
def test_invalid_field_is_named_in_the_error(field, value, expected):
    with pytest.raises(CallRecordError) as err:
        parse_call_record({**GOOD, field: value}, "calls/C0001.json")
    assert "calls/C0001.json" in str(err.value) and expected in str(err.value)


def test_missing_required_field_is_named():
    data = dict(GOOD)
    del data["direction"]
    with pytest.raises(CallRecordError, match="direction"):
        parse_call_record(data)


def test_broken_json_names_the_sidecar(tmp_path, settings):
    wav = tmp_path / "C9.wav"
    wav.write_bytes(b"")
    (tmp_path / "C9.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CallRecordError, match=r"C9\.json: not valid JSON"):
        load_call_record(wav, settings)


def test_missing_sidecar_defaults_from_configuration_and_filename(tmp_path, settings):
    wav = tmp_path / "C0042_20261120T091500.wav"
    rec = load_call_record(wav, settings.model_copy(update={"default_agent_channel": "right"}))
    assert rec.call_id == "C0042_20261120T091500"
    assert rec.agent_channel == "right" and rec.direction == "inbound"
    assert rec.sidecar is False
    assert local_start(rec, "Asia/Shanghai").hour == 9


def test_sidecar_next_to_recording_is_used(tmp_path, settings):
    wav = tmp_path / "C0001.wav"
    (tmp_path / "C0001.json").write_text(json.dumps(GOOD), encoding="utf-8")
    assert load_call_record(wav, settings).agent_id == "108"


def test_local_start_converts_to_call_center_time():
    rec = parse_call_record({**GOOD, "started_at": "2026-11-20T01:15:00+00:00"})
    assert local_start(rec, "Asia/Shanghai").hour == 9
