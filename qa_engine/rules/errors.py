"""Rule-set errors that point at a file and line and say how to fix the problem."""

from __future__ import annotations

from pathlib import Path

from qa_engine.errors import QAError


class RuleError(QAError):
    """A rule file (or list, scorecard, test) is invalid. ``str()``: ``file:line: problem (hint: …)``."""

    def __init__(self, file: str | Path, problem: str, *, line: int | None = None, hint: str = "",
                 loc: tuple = ()):
        self.file = str(file)
        self.line = line
        self.problem = problem
        self.hint = hint
        self.loc = loc
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {problem}" + (f" (hint: {hint})" if hint else ""))


class RuleSetError(RuleError):
    """Several errors found while loading a rule set; ``errors`` lists them all."""

    def __init__(self, errors: list[RuleError]):
        self.errors = errors
        first = errors[0]
        more = f" (+{len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        super().__init__(first.file, first.problem + more, line=first.line, hint=first.hint, loc=first.loc)


class CompileError(Exception):
    """Raised while compiling an expression; ``loc`` is the path inside the file's YAML."""

    def __init__(self, loc: tuple, problem: str, hint: str = ""):
        self.loc = loc
        self.problem = problem
        self.hint = hint
        super().__init__(problem)
