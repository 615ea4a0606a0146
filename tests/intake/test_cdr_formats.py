"""CDR adapters: real-format Asterisk, FreeSWITCH and mapped-CSV records become typed call records.

Fixtures (tests/intake/fixtures) are written the way the PBXs write them: Master.csv without a header
and with quoted fields, URL-encoded FreeSWITCH variables, a GBK export with Chinese headers.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from qa_engine.errors import CallRecordError
from qa_engine.intake.asterisk import COLUMNS, read_asterisk
from qa_engine.intake.cdr import UnmatchedRecording, channel_extension
from qa_engine.intake.freeswitch import read_freeswitch
from qa_engine.intake.mapped_csv import read_mapped_csv
from qa_engine.intake.source import CdrOptionError, CdrSource

FIXTURES = Path(__file__).parent / "fixtures"
SHANGHAI = timezone(timedelta(hours=8))


def rec(name: str) -> Path:
    return Path("/var/spool/asterisk/monitor") / name


# --- Asterisk -------------------------------------------------------------------------------------

def test_asterisk_inbound_call_takes_the_answered_queue_row_and_the_agent_from_dstchannel(settings):
    table = read_asterisk(FIXTURES / "Master.csv", settings)
    record = table.record_for(rec("in-8008-13800138000-20261203-101502-1764728102.123.wav"), settings)
    assert record.call_id == "1764728102.123" and record.direction == "inbound"
    assert record.agent_id == "108" and record.customer_number == "13800138000"
    assert record.started_at == datetime(2026, 12, 3, 10, 15, 2, tzinfo=SHANGHAI)
    assert record.ring_seconds == 7 and record.hangup_by is None


def test_asterisk_outbound_call_takes_the_agent_from_channel_and_the_customer_from_dst(settings):
    record = read_asterisk(FIXTURES / "Master.csv", settings).record_for(
        rec("out-13900001234-108-20261203-110000-1764730800.130.wav"), settings)
    assert record.direction == "outbound" and record.agent_id == "108" and record.customer_number == "13900001234"
    assert record.ring_seconds == 12


def test_asterisk_unanswered_call_rang_until_it_ended(settings):
    record = read_asterisk(FIXTURES / "Master.csv", settings).record_for(rec("in-1764734400.140.wav"), settings)
    assert record.direction == "inbound" and record.agent_id == "109" and record.ring_seconds == 30


def test_asterisk_malformed_rows_are_reported_by_file_and_row_number(settings):
    table = read_asterisk(FIXTURES / "Master.csv", settings)
    messages = [str(p) for p in table.problems]
    assert any("Master.csv row 6" in m and "2026-13-40 25:00:00" in m for m in messages)
    assert any("Master.csv row 7" in m and "3 columns" in m for m in messages)
    with pytest.raises(CallRecordError, match=r"Master\.csv row 6: '2026-13-40 25:00:00' is not a time"):
        table.record_for(rec("in-8008-13500000003-1764741600.160.wav"), settings)


def test_asterisk_unknown_extension_is_refused_when_agents_are_known(settings):
    table = read_asterisk(FIXTURES / "Master.csv", settings, known_agents={"108", "109", "110"})
    with pytest.raises(CallRecordError, match=r"Master\.csv row 5: extension 777 is not in the agents table"):
        table.record_for(rec("q-1764738000.150.wav"), settings)
    assert table.record_for(rec("q-1764728102.123.wav"), settings).agent_id == "108"


def test_a_recording_without_its_row_is_unmatched_naming_the_recording(settings):
    table = read_asterisk(FIXTURES / "Master.csv", settings)
    with pytest.raises(UnmatchedRecording, match=r"in-1764728102\.12\.wav: no CDR row in .*Master\.csv"):
        table.record_for(rec("in-1764728102.12.wav"), settings)  # a prefix of …102.123 is not a match


def test_asterisk_header_row_and_pbx_timezone_are_honoured(settings, tmp_path):
    body = (FIXTURES / "Master.csv").read_text(encoding="utf-8")
    (tmp_path / "Master.csv").write_text(",".join(COLUMNS) + "\n" + body, encoding="utf-8")
    settings.pbx_timezone = "UTC"
    record = read_asterisk(tmp_path / "Master.csv", settings).record_for(rec("x-1764730800.130.wav"), settings)
    assert record.started_at == datetime(2026, 12, 3, 11, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("channel, extension", [
    ("PJSIP/108-0000002a", "108"), ("SIP/108-00000001", "108"), ("IAX2/109-1234", "109"),
    ("Local/108@from-internal-00000012;1", "108"), ("", None)])
def test_channel_names_give_the_extension(channel, extension):
    assert channel_extension(channel) == extension


# --- FreeSWITCH -----------------------------------------------------------------------------------

def test_freeswitch_inbound_leg_customer_hung_up(settings):
    table = read_freeswitch(FIXTURES / "freeswitch", settings)
    record = table.record_for(Path("3f2a1c7e-8b4d-4e6f-9a1b-2c3d4e5f6a7b.wav"), settings)
    assert record.direction == "inbound" and record.agent_id == "108" and record.customer_number == "13800138000"
    assert record.started_at == datetime(2026, 12, 3, 10, 15, 2, tzinfo=SHANGHAI)
    assert record.ring_seconds == 6 and record.hangup_by == "customer"


def test_freeswitch_outbound_call_with_url_free_stamps_agent_hung_up(settings):
    record = read_freeswitch(FIXTURES / "freeswitch", settings).record_for(
        Path("rec_9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4.wav"), settings)
    assert record.direction == "outbound" and record.agent_id == "108" and record.customer_number == "13900001234"
    assert record.hangup_by == "agent" and record.ring_seconds == 12


def test_freeswitch_unanswered_call_and_one_cdr_file(settings):
    table = read_freeswitch(FIXTURES / "freeswitch" / "a_unanswered.json", settings)
    record = table.record_for(Path("1a2b3c4d-0000-4000-8000-00000000aaaa.wav"), settings)
    assert record.ring_seconds == 30 and record.agent_id == "109" and record.hangup_by == "customer"


def test_freeswitch_bad_files_and_unknown_extension_are_reported_by_file(settings):
    table = read_freeswitch(FIXTURES / "freeswitch", settings, known_agents={"108", "109"})
    messages = {Path(p.where).name: p.message for p in table.problems}
    assert "not a JSON CDR" in messages["truncated.json"]
    assert "neither start_epoch nor start_stamp" in messages["no_start.json"]
    assert "extension 2999 is not in the agents table" in messages["unknown_agent.json"]
    with pytest.raises(CallRecordError, match="unknown_agent.json: extension 2999"):
        table.record_for(Path("5c5c5c5c-1111-4222-8333-444444444444.wav"), settings)


# --- Generic CSV with a YAML mapping --------------------------------------------------------------

def test_mapped_csv_reads_a_gbk_export_with_chinese_headers_and_matches_by_recording_name(settings):
    table = read_mapped_csv(FIXTURES / "export.csv", FIXTURES / "mapping.yaml", settings)
    inbound = table.record_for(Path("A1001_13800138000.wav"), settings)
    assert (inbound.call_id, inbound.direction, inbound.agent_id, inbound.hangup_by) == (
        "A1001_13800138000", "inbound", "108", "customer")
    assert inbound.ring_seconds == 7 and inbound.started_at == datetime(2026, 12, 3, 10, 15, 2, tzinfo=SHANGHAI)
    outbound = table.record_for(Path("A1002_13900001234.wav"), settings)
    assert outbound.direction == "outbound" and outbound.hangup_by == "agent"
    assert table.record_for(Path("A1003_13700000001.wav"), settings).ring_seconds == 30


def test_mapped_csv_bad_rows_name_the_row_and_the_value(settings):
    table = read_mapped_csv(FIXTURES / "export.csv", FIXTURES / "mapping.yaml", settings)
    with pytest.raises(CallRecordError, match=r"export\.csv row 5: direction '转接' is not one of inbound, outbound"):
        table.record_for(Path("A1004_13600000002.wav"), settings)
    assert any("row 6" in str(p) and "'昨天' is not a time" in str(p) for p in table.problems)


def test_a_mapping_naming_a_missing_column_is_one_error_naming_both_files(settings, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text((FIXTURES / "mapping.yaml").read_text(encoding="utf-8").replace("坐席工号", "工号"), encoding="utf-8")
    with pytest.raises(CallRecordError, match=r"export\.csv: no column 工号 in the header row \(mapping .*m\.yaml\)"):
        read_mapped_csv(FIXTURES / "export.csv", mapping, settings)


def test_cdr_options_go_together_and_the_format_is_checked(settings):
    with pytest.raises(CdrOptionError, match="go together"):
        CdrSource.from_options(FIXTURES / "Master.csv", None, settings)
    with pytest.raises(CdrOptionError, match="expected asterisk"):
        CdrSource.from_options(FIXTURES / "Master.csv", "cisco", settings)


def test_a_cdr_source_rereads_the_file_the_pbx_appends_to(settings, tmp_path):
    master = tmp_path / "Master.csv"
    shutil.copy(FIXTURES / "Master.csv", master)
    source = CdrSource.from_options(master, "asterisk", settings)
    late = rec("in-1764800000.200.wav")
    with pytest.raises(UnmatchedRecording):
        source.record_for(late)
    with master.open("a", encoding="utf-8") as f:
        f.write('"","13800000009","8008","from-pstn","","PJSIP/trunk-1","PJSIP/110-2","Dial","","2026-12-04 09:00:00",'
                '"2026-12-04 09:00:03","2026-12-04 09:05:00",300,297,"ANSWERED","DOCUMENTATION","1764800000.200",""\n')
    assert source.record_for(late).agent_id == "110"
