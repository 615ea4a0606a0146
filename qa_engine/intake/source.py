"""A CDR source chosen on the command line (``--cdr FILE --cdr-format FORMAT``), reloaded when it changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qa_engine.callrecord import CallRecord
from qa_engine.config import Settings
from qa_engine.errors import QAError
from qa_engine.intake.cdr import CdrTable

FORMATS = "asterisk | freeswitch | csv:MAPPING.yaml"


class CdrOptionError(QAError):
    """The --cdr / --cdr-format options do not name a usable source."""


def read_cdr(path: Path, fmt: str, settings: Settings, known_agents: set[str] | None) -> CdrTable:
    """The CDR table of ``path`` in format ``fmt``."""
    from qa_engine.intake.asterisk import read_asterisk
    from qa_engine.intake.freeswitch import read_freeswitch
    from qa_engine.intake.mapped_csv import read_mapped_csv

    if fmt == "asterisk":
        return read_asterisk(path, settings, known_agents)
    if fmt == "freeswitch":
        return read_freeswitch(path, settings, known_agents)
    if fmt.startswith("csv:") and len(fmt) > 4:
        return read_mapped_csv(path, Path(fmt[4:]), settings, known_agents)
    raise CdrOptionError(f"--cdr-format {fmt}: expected {FORMATS}")


def known_agents(settings: Settings) -> set[str] | None:
    """The agents table's extensions when ``pbx_check_agents`` is on; None means any extension is accepted."""
    if not settings.pbx_check_agents:
        return None
    from sqlmodel import select

    from qa_engine.storage.db import session_scope
    from qa_engine.storage.models import Agent
    from qa_engine.storage.schema import init_db

    init_db(settings)
    with session_scope(settings) as session:
        return set(session.exec(select(Agent.agent_id)).all())


@dataclass
class CdrSource:
    """A CDR file or folder that a PBX keeps appending to: re-read whenever it changed."""

    path: Path
    fmt: str
    settings: Settings
    _table: CdrTable | None = field(default=None, init=False)
    _stamp: tuple | None = field(default=None, init=False)

    @classmethod
    def from_options(cls, cdr: Path | None, fmt: str | None, settings: Settings) -> CdrSource | None:
        """None without --cdr (sidecars are used); an error when only one of the two options is given."""
        if cdr is None and fmt is None:
            return None
        if cdr is None or fmt is None:
            raise CdrOptionError(f"--cdr and --cdr-format go together (--cdr-format {FORMATS})")
        if not cdr.exists():
            raise CdrOptionError(f"{cdr}: no such CDR file or folder")
        source = cls(cdr, fmt, settings)
        source.table()  # a bad format or mapping is reported before any recording is touched
        return source

    def table(self) -> CdrTable:
        stamp = self._current_stamp()
        if self._table is None or stamp != self._stamp:
            self._table, self._stamp = read_cdr(self.path, self.fmt, self.settings, known_agents(self.settings)), stamp
        return self._table

    def record_for(self, recording: Path) -> CallRecord:
        return self.table().record_for(recording, self.settings)

    def _current_stamp(self) -> tuple:
        files = sorted(self.path.glob("*.json")) if self.path.is_dir() else [self.path]
        stats = [f.stat() for f in files if f.exists()]
        return len(stats), sum(s.st_size for s in stats), max((s.st_mtime_ns for s in stats), default=0)
