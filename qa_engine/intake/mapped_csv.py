"""A commercial PBX's CSV export, read through a YAML column mapping (``--cdr-format csv:MAPPING.yaml``).

The export must have a header row; the mapping names, for each call-record field, the header of the
column that holds it, and how its values translate (see docs/PBX.md for an example).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ValidationError

from qa_engine.config import Settings
from qa_engine.errors import CallRecordError
from qa_engine.intake.cdr import CdrCall, CdrProblem, CdrRowError, CdrTable, build_table, guarded, parse_local_time


class Columns(BaseModel, extra="forbid"):
    """Our field → the export's column header. ``recording`` matches by file name instead of call_id."""

    call_id: str
    started_at: str
    direction: str
    agent_id: str | None = None
    customer_number: str | None = None
    answered_at: str | None = None
    ended_at: str | None = None
    ring_seconds: str | None = None
    hangup_by: str | None = None
    recording: str | None = None


class Mapping(BaseModel, extra="forbid"):
    columns: Columns
    # The export's words for our values, e.g. direction: {呼入: inbound, 呼出: outbound}
    values: dict[Literal["direction", "hangup_by"], dict[str, str]] = {}
    time_format: str | None = None  # strptime format; default ISO 8601 ("2026-12-03 10:15:02" works)
    timezone: str | None = None  # default: the pbx_timezone setting
    encoding: str = "utf-8"  # Chinese PBX exports are often gbk
    delimiter: str = ","


def load_mapping(path: Path) -> Mapping:
    try:
        return Mapping.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise CallRecordError(path, f"cannot read the column mapping ({exc})") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CallRecordError(path, f"mapping field '{'.'.join(map(str, err['loc']))}': {err['msg']}") from exc


def read_mapped_csv(path: Path, mapping_path: Path, settings: Settings, known_agents: set[str] | None = None) -> CdrTable:
    """Every row of ``path`` read through the mapping; bad rows become problems naming file and row."""
    mapping = load_mapping(mapping_path)
    try:
        with open(path, newline="", encoding=mapping.encoding, errors="strict") as f:
            reader = csv.DictReader(f, delimiter=mapping.delimiter)
            missing = [c for c in mapping.columns.model_dump().values() if c and c not in (reader.fieldnames or [])]
            if missing:
                raise CallRecordError(path, f"no column {', '.join(missing)} in the header row (mapping {mapping_path})")
            # Row 1 is the header: data rows are numbered as a spreadsheet shows them.
            rows = [(n, row) for n, row in enumerate(reader, start=2)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CallRecordError(path, f"cannot read the CDR file ({exc})") from exc
    return build_table(str(path), (_parse_row(f"{path} row {n}", row, mapping, settings) for n, row in rows), known_agents)


def _parse_row(where: str, row: dict[str, str | None], mapping: Mapping, settings: Settings) -> CdrCall | CdrProblem:
    def get(field: str) -> str | None:
        column = getattr(mapping.columns, field)
        value = (row.get(column) or "").strip() if column else ""
        return value or None

    key = get("recording") and Path(get("recording").replace("\\", "/")).stem or get("call_id")
    return guarded(where, key, lambda: _call(where, key, get, mapping, settings))


def _call(where: str, key: str | None, get, mapping: Mapping, settings: Settings) -> CdrCall:
    tz, fmt = mapping.timezone or settings.pbx_timezone, mapping.time_format
    start = get("started_at")
    if not start:
        raise CdrRowError("the start time is empty")
    ring = get("ring_seconds")
    return CdrCall(
        key=key or "", where=where, direction=_translate(mapping, "direction", get("direction")),
        agent_id=get("agent_id"), customer_number=get("customer_number"),
        start=parse_local_time(start, tz, fmt),
        answer=parse_local_time(get("answered_at"), tz, fmt) if get("answered_at") else None,
        end=parse_local_time(get("ended_at"), tz, fmt) if get("ended_at") else None,
        hangup_by=_translate(mapping, "hangup_by", get("hangup_by")) if get("hangup_by") else None,
        ring_seconds=_seconds(ring) if ring else None,
    )


def _translate(mapping: Mapping, field: str, value: str | None) -> str:
    allowed = {"direction": ("inbound", "outbound"), "hangup_by": ("customer", "agent")}[field]
    translated = mapping.values.get(field, {}).get(value or "", value)
    if translated not in allowed:
        raise CdrRowError(f"{field} '{value or ''}' is not one of {', '.join(allowed)} (add it to the mapping's values)")
    return translated


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CdrRowError(f"ring_seconds '{text}' is not a number") from None
    if value < 0:
        raise CdrRowError(f"ring_seconds {value} is negative")
    return value
