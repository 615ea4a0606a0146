"""A full generated inbound call, analysed once for the tests that check its parts."""

from __future__ import annotations

import pytest

from qa_engine.analytics import analyze_audio
from qa_engine.callrecord import CallRecord
from tests.analytics.synth import Call

TOL = 0.3  # seconds: allowed error of every detected boundary


def record(direction: str = "inbound", **extra) -> CallRecord:
    return CallRecord(call_id="T1", direction=direction, agent_channel="left", **extra)


@pytest.fixture(scope="session")
def demo_call() -> Call:
    """Three rings, greeting, a music hold, an interruption, dead air, customer hangs up."""
    c = Call(84.0)
    c.ringback("agent", 0.5, 3)  # rings at 0.5, 5.5, 10.5
    c.say("agent", 12.0, 5.0)
    c.say("customer", 17.6, 6.0)
    c.say("agent", 24.0, 4.0)
    c.music("agent", 28.5, 20.0)  # music hold 28.5-48.5
    c.say("agent", 49.0, 4.0)
    c.say("customer", 52.0, 4.0)  # customer cuts in at 52.0 while the agent talks until 53.0
    c.say("agent", 63.0, 5.0)  # dead air 56.0-63.0
    c.say("customer", 68.5, 2.0)
    c.busy("customer", 71.5, 8)  # customer hung up: busy tone on the customer's line
    return c


@pytest.fixture(scope="session")
def demo_metrics(demo_call):
    return analyze_audio(demo_call.roles(), record())


def near(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol
