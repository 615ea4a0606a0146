"""Asterisk ``Master.csv`` (cdr_csv): one row per call leg, normally without a header row.

Columns (cdr_csv with loguniqueid and loguserfield, the defaults): accountcode, src, dst, dcontext,
clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition,
amaflags, uniqueid, userfield. Times are local to the PBX (``usegmtime=no``) unless set to UTC.
"""

from __future__ import annotations

import csv
from pathlib import Path

from qa_engine.config import Settings
from qa_engine.errors import CallRecordError
from qa_engine.intake.cdr import (CdrCall, CdrProblem, CdrRowError, CdrTable, build_table, channel_extension, guarded,
                                  is_inbound_context, parse_local_time)

COLUMNS = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata",
           "start", "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "userfield")
# userfield is only written with loguserfield=yes; uniqueid is needed to find the recording.
_MIN_COLUMNS = COLUMNS.index("uniqueid") + 1


def read_asterisk(path: Path, settings: Settings, known_agents: set[str] | None = None) -> CdrTable:
    """Every row of ``path``; bad rows become problems naming the file and row number."""
    rows = _read_rows(path)
    names = COLUMNS
    if rows and "uniqueid" in [c.strip().lower() for c in rows[0][1]]:
        names = tuple(c.strip().lower() for c in rows.pop(0)[1])
    parsed = (_parse_row(path, number, values, names, settings) for number, values in rows)
    return build_table(str(path), parsed, known_agents)


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            return [(n, values) for n, values in enumerate(csv.reader(f), start=1) if any(v.strip() for v in values)]
    except OSError as exc:
        raise CallRecordError(path, f"cannot read the CDR file ({exc.strerror or exc})") from exc
    except csv.Error as exc:
        raise CallRecordError(path, f"not a CSV file ({exc})") from exc


def _parse_row(path: Path, number: int, values: list[str], names: tuple[str, ...], settings: Settings) -> CdrCall | CdrProblem:
    where = f"{path} row {number}"
    if len(values) < min(_MIN_COLUMNS, len(names)):
        return CdrProblem(where, f"{len(values)} columns, expected {len(COLUMNS)} (accountcode … uniqueid, userfield)")
    row = dict(zip(names, (v.strip() for v in values)))
    return guarded(where, row.get("uniqueid"), lambda: _call(where, row, settings))


def _call(where: str, row: dict[str, str], settings: Settings) -> CdrCall:
    tz = settings.pbx_timezone
    if not row.get("start"):
        raise CdrRowError("the start time is empty")
    inbound = is_inbound_context(row.get("dcontext"), settings)
    answered = bool(row.get("answer")) and row.get("disposition", "ANSWERED").upper() == "ANSWERED"
    agent_channel = row.get("dstchannel", "") if inbound else row.get("channel", "")
    return CdrCall(
        key=row.get("uniqueid", ""), where=where, direction="inbound" if inbound else "outbound",
        agent_id=channel_extension(agent_channel),
        customer_number=(row.get("src") if inbound else row.get("dst")) or None,
        start=parse_local_time(row["start"], tz),
        answer=parse_local_time(row["answer"], tz) if answered else None,
        end=parse_local_time(row["end"], tz) if row.get("end") else None,
    )
