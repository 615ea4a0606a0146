"""``qa-engine watch``: analyse each new recording in a folder once it is complete, exactly once.

A PBX writes a recording for as long as the call lasts, so a file is complete once its size and
modification time have not changed for ``watch_settle_s``. It is then claimed in the database
(``claims``: by content hash, so a restart or a copy under another name never analyses it twice)
and analysed here or queued for the Celery workers. Polling keeps this plain and portable (NFS and
SMB shares included, where file-system notifications do not arrive).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa_engine.audio import content_hash
from qa_engine.config import Settings
from qa_engine.errors import CallRecordError, InputError
from qa_engine.ingest import RecordFor, find_recordings, ingest_one, sidecar_records
from qa_engine.intake import claims
from qa_engine.intake.cdr import UnmatchedRecording

log = logging.getLogger(__name__)

# Hands one complete recording on; returns the claim's new state: "done" (analysed and stored
# here, or its failure stored) or "queued" (the workers will).
Dispatch = Callable[[Path, RecordFor], str]


@dataclass(frozen=True)
class _Seen:
    signature: tuple[int, int]  # (size, mtime_ns)
    since: float  # when this signature was first seen


def stop_on_signal(stop: threading.Event) -> Callable[[int, object], None]:
    """A signal handler that sets ``stop``, from another thread: the handler runs in the main
    thread, which may be inside ``stop.wait()`` holding the event's lock at that moment, and
    ``stop.set()`` there would wait for that lock forever (the watcher ignored SIGTERM now and then)."""
    return lambda *_: threading.Thread(target=stop.set, daemon=True).start()


class Watcher:
    """Polls ``folder``; ``poll()`` is one pass, ``run(stop)`` polls until ``stop`` is set."""

    def __init__(self, folder: Path, settings: Settings, dispatch: Dispatch, *, record_for: RecordFor | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.folder, self.settings, self.dispatch, self.clock = folder, settings, dispatch, clock
        self.record_for = record_for or sidecar_records(settings)
        self._watching: dict[Path, _Seen] = {}
        self._handled: dict[Path, tuple[int, int]] = {}

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; the recording being analysed when it is set is finished first."""
        while not stop.is_set():
            self.poll()
            stop.wait(self.settings.watch_poll_s)

    def poll(self) -> list[Path]:
        """One pass over the folder; returns the recordings handed on in it."""
        taken, present = [], find_recordings(self.folder)
        for path in present:
            signature = _signature(path)
            if signature is None or self._handled.get(path) == signature:
                continue
            # Read the clock per file: analysing the previous one may have taken minutes.
            now, seen = self.clock(), self._watching.get(path)
            if seen is None or seen.signature != signature:
                self._watching[path] = _Seen(signature, now)
            elif now - seen.since >= self.settings.watch_settle_s and self._take(path, signature, now - seen.since):
                self._handled[path] = signature
                del self._watching[path]
                taken.append(path)
        for gone in set(self._watching) - set(present):
            del self._watching[gone]
        return taken

    def _take(self, path: Path, signature: tuple[int, int], waited_s: float) -> bool:
        """Hand on a complete recording; False leaves it watched (its CDR row may still come)."""
        if self._awaiting_cdr(path, waited_s):
            return False
        size = signature[0]
        if claims.seen_before(self.settings, str(path), size):
            return True
        try:
            digest = content_hash(path)
        except InputError:  # deleted or unreadable since the last pass: look again next time
            return False
        if claims.claim(self.settings, content_hash=digest, path=str(path), size=size):
            claims.settle(self.settings, digest, self.dispatch(path, self.record_for))
        return True

    def _awaiting_cdr(self, path: Path, waited_s: float) -> bool:
        """The PBX may write the CDR row after the recording: wait ``watch_cdr_grace_s`` for it."""
        try:
            self.record_for(path)
        except UnmatchedRecording:
            return waited_s < self.settings.watch_settle_s + self.settings.watch_cdr_grace_s
        except CallRecordError:
            pass  # a broken row or sidecar: dispatching stores the failure with its message
        return False


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def in_process(settings: Settings, *, model=None, ruleset=None,
               on_outcome: Callable[[object], None] | None = None) -> Dispatch:
    """Analyse and store each recording in this process (the Whisper model is loaded once, lazily)."""
    loaded: dict[str, object] = {}

    def dispatch(path: Path, record_for: RecordFor) -> str:
        if "model" not in loaded:
            loaded.update(_resources(settings, model, ruleset))
        outcome = ingest_one(path, settings, model=loaded["model"], ruleset=loaded["ruleset"], record_for=record_for)
        if on_outcome:
            on_outcome(outcome)
        return "done"

    return dispatch


def to_workers(settings: Settings, enqueue: Callable[[str, dict | None], object],
               on_outcome: Callable[[object], None] | None = None) -> Dispatch:
    """Queue each recording for the Celery workers, with its call record when it comes from a CDR."""

    def dispatch(path: Path, record_for: RecordFor) -> str:
        try:
            record = record_for(path)
        except CallRecordError:
            # Nothing for a worker to do: store the failure here, naming the file or CDR row.
            outcome = ingest_one(path, settings, record_for=record_for)
            if on_outcome:
                on_outcome(outcome)
            return "done"
        enqueue(str(path), record.contract() if record.sidecar else None)
        return "queued"

    return dispatch


def _resources(settings: Settings, model, ruleset) -> dict[str, object]:
    from qa_engine.asr.model import load_model
    from qa_engine.rules import load_ruleset

    return {"model": model if model is not None else load_model(settings),
            "ruleset": ruleset if ruleset is not None else load_ruleset(settings.rules_dir)}
