"""Errors that name the file and the problem in one line."""

from __future__ import annotations

from pathlib import Path


class QAError(Exception):
    """Base class for errors shown to users as one line."""


class InputError(QAError):
    """A recording or its call record could not be used. ``str()`` is ``<file>: <problem>``."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class AudioError(InputError):
    """The recording is unreadable, empty, too long, or in an unsupported layout."""


class CallRecordError(InputError):
    """The call-record sidecar is not valid JSON or has an invalid field."""
