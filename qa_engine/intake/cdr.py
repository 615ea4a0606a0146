"""What every CDR adapter produces (``CdrCall`` rows), and matching recordings to them.

A recording is matched to its row by the row's key (Asterisk ``uniqueid``, FreeSWITCH ``uuid``, a
mapped id or recording name) appearing in the recording's file name as a whole token, e.g.
``in-8008-13800138000-20261203-101502-1764728102.123.wav`` carries ``1764728102.123``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from qa_engine.callrecord import CallRecord
from qa_engine.config import Settings
from qa_engine.errors import CallRecordError

# PJSIP/108-0000002a, SIP/108-00000001, IAX2/108-1234, Local/108@from-internal-0000001;1
_CHANNEL_EXTENSION = re.compile(r"^[A-Za-z0-9_]+/([^-@;/]+)")


class CdrRowError(ValueError):
    """One CDR row cannot be used; the message says why (the caller adds file and row)."""


@dataclass(frozen=True)
class CdrCall:
    """One call as a PBX recorded it, normalised. Times carry their UTC offset."""

    key: str
    where: str  # "Master.csv row 3": named in every message about this call
    direction: str  # inbound | outbound
    agent_id: str | None
    customer_number: str | None
    start: datetime
    answer: datetime | None = None
    end: datetime | None = None
    hangup_by: str | None = None
    ring_seconds: float | None = None  # when the CDR states it instead of an answer time

    def __post_init__(self) -> None:
        if not self.key:
            raise CdrRowError("the call's unique id is empty")
        if self.answer is not None and self.answer < self.start:
            raise CdrRowError(f"answer time {self.answer:%Y-%m-%d %H:%M:%S} is before the start time")
        if self.end is not None and self.end < self.start:
            raise CdrRowError(f"end time {self.end:%Y-%m-%d %H:%M:%S} is before the start time")

    def ringing_s(self) -> float | None:
        """Seconds from start to answer; an unanswered call rang until it ended."""
        if self.ring_seconds is not None:
            return self.ring_seconds
        stop = self.answer or self.end
        return (stop - self.start).total_seconds() if stop else None


@dataclass(frozen=True)
class CdrProblem:
    """A row (or file) that could not be used; ``key`` when its unique id could still be read."""

    where: str
    message: str
    key: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class UnmatchedRecording(CallRecordError):
    """No CDR row names this recording (yet: Asterisk may write the row after the file closes)."""


def guarded(where: str, key: str | None, build: Callable[[], CdrCall]) -> CdrCall | CdrProblem:
    """``build()`` or the problem that stopped it, so one bad row never stops the others."""
    try:
        return build()
    except ValueError as exc:  # CdrRowError and bad dates/numbers from the standard library
        return CdrProblem(where, str(exc), key)


@dataclass
class CdrTable:
    """The usable calls of one CDR source by key, and its problems in file/row order."""

    source: str
    calls: dict[str, CdrCall] = field(default_factory=dict)
    problems: list[CdrProblem] = field(default_factory=list)
    broken: dict[str, CdrProblem] = field(default_factory=dict)

    def record_for(self, recording: Path, settings: Settings) -> CallRecord:
        """The call record of ``recording``; raises CallRecordError naming the file or row at fault."""
        key = self._match(Path(recording).stem)
        if key in self.calls:
            return to_call_record(self.calls[key], settings)
        if key in self.broken:
            problem = self.broken[key]
            raise CallRecordError(problem.where, problem.message)
        raise UnmatchedRecording(recording, f"no CDR row in {self.source} has a unique id found in this file name")

    def _match(self, stem: str) -> str | None:
        """The longest key that is a whole token of ``stem`` (so 1764728102.12 never matches …102.123)."""
        starts = [0] + [i for i in range(1, len(stem)) if not stem[i - 1].isalnum()]
        ends = [j for j in range(1, len(stem)) if not stem[j].isalnum()] + [len(stem)]
        found = [stem[i:j] for i in starts for j in ends if i < j and (stem[i:j] in self.calls or stem[i:j] in self.broken)]
        return max(found, key=len, default=None)


def build_table(source: str, rows: Iterable[CdrCall | CdrProblem], known_agents: set[str] | None) -> CdrTable:
    """Index rows by key. Several rows of one call (a queue ringing several phones) keep the answered one."""
    table = CdrTable(source)
    for row in rows:
        if isinstance(row, CdrCall) and known_agents is not None and row.agent_id and row.agent_id not in known_agents:
            row = CdrProblem(row.where, f"extension {row.agent_id} is not in the agents table", row.key)
        if isinstance(row, CdrProblem):
            table.problems.append(row)
            if row.key:
                table.broken.setdefault(row.key, row)
            continue
        kept = table.calls.get(row.key)
        if kept is None or (kept.answer is None and row.answer is not None):
            table.calls[row.key] = row
    return table


def to_call_record(call: CdrCall, settings: Settings) -> CallRecord:
    """The typed call record the sidecar parser would produce for this call."""
    inbound = call.direction == "inbound"
    try:
        return CallRecord(
            call_id=call.key, direction=call.direction, agent_id=call.agent_id,
            agent_channel=settings.pbx_agent_channel_inbound if inbound else settings.pbx_agent_channel_outbound,
            customer_number=call.customer_number, started_at=call.start,
            ring_seconds=call.ringing_s(), hangup_by=call.hangup_by,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CallRecordError(call.where, f"field '{'.'.join(map(str, err['loc']))}': {err['msg']}") from exc


def channel_extension(channel: str) -> str | None:
    """The extension in an Asterisk channel name: ``PJSIP/108-0000002a`` → ``108``."""
    match = _CHANNEL_EXTENSION.match(channel.strip())
    return match.group(1) if match else None


def parse_local_time(text: str, timezone: str, fmt: str | None = None) -> datetime:
    """A timestamp; without a UTC offset it is read in the PBX's time zone."""
    text = text.strip()
    try:
        value = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
    except ValueError:
        raise CdrRowError(f"'{text}' is not a time{f' in the format {fmt}' if fmt else ''}") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(timezone))


def is_inbound_context(context: str | None, settings: Settings) -> bool:
    """Calls entering the PBX from the public network arrive in one of its inbound contexts."""
    return (context or "").strip() in set(settings.pbx_inbound_contexts)
