"""Call-record operators: ``record``, ``switch``, ``local_time``; and ``Compare``, the bounds shared
with ``metric``."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from pydantic import Field, field_validator

from qa_engine.rules.compiler import Args, Compiler, Env, Evaluator, Result, operator
from qa_engine.rules.errors import CompileError

RECORD_FIELDS = ("call_id", "direction", "agent_id", "agent_channel", "customer_number", "started_at",
                 "ring_seconds", "hangup_by")


class Compare(Args):
    """Bounds on a value; every bound given must hold."""

    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(None, alias="in")
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    between: tuple[float, float] | None = None

    def test(self, v: Any) -> bool:
        checks = [
            (self.eq, lambda: v == self.eq), (self.ne, lambda: v != self.ne), (self.in_, lambda: v in self.in_),
            (self.lt, lambda: v < self.lt), (self.le, lambda: v <= self.le), (self.gt, lambda: v > self.gt),
            (self.ge, lambda: v >= self.ge), (self.between, lambda: self.between[0] <= v <= self.between[1]),
        ]
        return all(check() for bound, check in checks if bound is not None)

    def describe(self) -> str:
        parts = [f"{sym} {getattr(self, name)}" for name, sym in
                 (("eq", "="), ("ne", "≠"), ("lt", "<"), ("le", "≤"), ("gt", ">"), ("ge", "≥"))
                 if getattr(self, name) is not None]
        if self.in_ is not None:
            parts.append(f"∈ {self.in_}")
        if self.between is not None:
            parts.append(f"{self.between[0]}–{self.between[1]}")
        return ", ".join(parts)


class RecordArgs(Compare):
    field: str

    @field_validator("field")
    @classmethod
    def _known(cls, v):
        if v not in RECORD_FIELDS:
            raise ValueError(f"unknown call-record field '{v}' (fields: {', '.join(RECORD_FIELDS)})")
        return v


@operator("record", RecordArgs)
def build_record(a: RecordArgs, compiler: Compiler, loc) -> Evaluator:
    """Call-record predicate, e.g. ``record: {field: direction, eq: inbound}``; n/a when the field
    is missing."""

    def run(env: Env) -> Result:
        v = getattr(env.view.ctx.record, a.field, None)
        if v is None:
            return Result(None, [], f"通话记录缺少 {a.field}", f"call record has no {a.field}")
        return Result(a.test(v), [], f"通话记录 {a.field} = {v}", f"call record {a.field} = {v}")

    return run


class SwitchArgs(Args):
    field: str
    cases: dict[str, Any]
    default: Any = None


@operator("switch", SwitchArgs)
def build_switch(a: SwitchArgs, compiler: Compiler, loc) -> Evaluator:
    """Picks an expression by a call-record field: ``switch: {field: direction, cases: {inbound: …,
    outbound: …}}``; n/a when the value has no case and there is no default."""
    if a.field not in RECORD_FIELDS:
        raise CompileError(loc + ("field",), f"unknown call-record field '{a.field}'", f"fields: {', '.join(RECORD_FIELDS)}")
    cases = {k: compiler.compile(v, loc + ("cases", k)) for k, v in a.cases.items()}
    default = compiler.compile(a.default, loc + ("default",)) if a.default is not None else None

    def run(env: Env) -> Result:
        v = getattr(env.view.ctx.record, a.field, None)
        branch = (cases.get(str(v)) if v is not None else None) or default
        if branch is None:
            return Result(None, [], f"通话记录 {a.field} = {v}，无对应检查", f"no check for {a.field} = {v}")
        return branch(env)

    return run


def hm(t: time | datetime) -> str:
    return f"{t:%H:%M}"


class Window(Args):
    """A time-of-day window [from, to), wrapping midnight when ``to`` is earlier."""

    from_: str = Field(alias="from", pattern=r"^\d{1,2}:\d{2}$")
    to: str = Field(pattern=r"^\d{1,2}:\d{2}$")

    def contains(self, t: time) -> bool:
        lo, hi = _clock(self.from_), _clock(self.to)
        return lo <= t < hi if lo < hi else (t >= lo or t < hi)


def _clock(s: str) -> time:
    h, m = s.split(":")
    return time(int(h) % 24, int(m))


@operator("local_time", Window)
def build_local_time(a: Window, compiler: Compiler, loc) -> Evaluator:
    """True when the call's local start time is in [from, to) (wrapping midnight); n/a without it."""

    def run(env: Env) -> Result:
        start = env.view.local_start
        if start is None:
            return Result(None, [], "缺少通话开始时间", "missing call start time")
        return Result(a.contains(start.time()), [], f"开始时间 {hm(start)}", f"start time {hm(start)}")

    return run
