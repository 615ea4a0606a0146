"""The call-record sidecar (``<recording>.json``): parsing, validation and defaults."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError, field_validator

from qa_engine.config import Settings
from qa_engine.errors import CallRecordError

# A timestamp in a file name such as C0007_20261120T091500.wav or call-2026-11-20_09-15-00.mp3
_FILENAME_TIME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})[T_ -]?(\d{2})[-:]?(\d{2})[-:]?(\d{2})")


class CallRecord(BaseModel):
    """Typed call record (CDR). Optional fields are None when the sidecar does not give them."""

    call_id: str = Field(min_length=1)
    direction: Literal["inbound", "outbound"]
    agent_id: str | None = None
    agent_channel: Literal["left", "right", "mono"]
    customer_number: str | None = None
    started_at: datetime | None = None
    ring_seconds: float | None = Field(default=None, ge=0)
    hangup_by: Literal["customer", "agent"] | None = None
    sidecar: bool = Field(default=True, exclude=True, description="False when built from defaults")

    @field_validator("agent_id", "customer_number", mode="before")
    @classmethod
    def _digits_as_text(cls, value: object) -> object:
        # Work numbers and phone numbers are identifiers: 108 and "108" mean the same.
        return str(value) if isinstance(value, int) else value

    @field_validator("started_at")
    @classmethod
    def _needs_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("started_at needs a UTC offset, e.g. 2026-11-20T09:15:00+08:00")
        return value

    def contract(self) -> dict:
        """The record as JSON-ready data (the fields of STANDARDS.md)."""
        return self.model_dump(mode="json")


def sidecar_path(recording: Path) -> Path:
    return recording.with_suffix(".json")


def load_call_record(recording: Path, settings: Settings) -> CallRecord:
    """Read ``<recording>.json`` or, when it is missing, build a record from configuration."""
    path = sidecar_path(recording)
    if not path.exists():
        return default_call_record(recording, settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CallRecordError(path, f"not valid JSON ({exc})") from exc
    return parse_call_record(data, path)


def parse_call_record(data: object, path: Path | str = "<call record>") -> CallRecord:
    """Validate sidecar data; errors name the first bad field."""
    if not isinstance(data, dict):
        raise CallRecordError(path, "a call record must be a JSON object")
    try:
        return CallRecord.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "record"
        raise CallRecordError(path, f"field '{field}': {err['msg']}") from exc


def default_call_record(recording: Path, settings: Settings) -> CallRecord:
    """Defaults for a recording without a sidecar: id and start time from the file name."""
    return CallRecord(
        call_id=recording.stem,
        direction=settings.default_direction,
        agent_id=settings.default_agent_id,
        agent_channel=settings.default_agent_channel,
        started_at=_time_from_filename(recording.stem, settings.timezone),
        sidecar=False,
    )


def _time_from_filename(stem: str, timezone: str) -> datetime | None:
    match = _FILENAME_TIME.search(stem)
    if not match:
        return None
    try:
        parts = [int(g) for g in match.groups()]
        return datetime(*parts, tzinfo=ZoneInfo(timezone))
    except ValueError:
        return None


def local_start(record: CallRecord, timezone: str) -> datetime | None:
    """The call's start in the call center's local time (greeting rules depend on it)."""
    if record.started_at is None:
        return None
    return record.started_at.astimezone(ZoneInfo(timezone))
