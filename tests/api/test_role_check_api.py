"""A mono call whose speaker roles are uncertain says so in the call list (for the review queue)."""

from __future__ import annotations

from datetime import datetime

import pytest

from qa_engine.api.demo import CST, demo_analysis, store_call
from tests.pg_private import postgres_url  # noqa: F401  (fixture)


def _mono(call_id: str, confidence: float, hour: int):
    a = demo_analysis(call_id, source_path="/nowhere/m.wav", agent_id="108", fails=(),
                      started_at=datetime(2026, 11, 26, hour, tzinfo=CST))
    diar = {"backend": "embedded", "method": "ge2e", "separation": 0.05 if confidence < 0.6 else 0.3,
            "role_confidence": confidence, "roles_uncertain": confidence < 0.6, "role_reason": "inbound: brand"}
    return a.model_copy(update={"metrics": a.metrics.model_copy(update={"diarization": diar})})


@pytest.fixture
def mono_day(db):
    for analysis in (_mono("M_UNSURE", 0.12, 9), _mono("M_SURE", 0.97, 10),
                     demo_analysis("STEREO", source_path="/nowhere/s.wav", agent_id="108", fails=(),
                                   started_at=datetime(2026, 11, 26, 11, tzinfo=CST))):
        store_call(analysis, db)
    return db


def test_call_list_flags_uncertain_roles(mono_day, client, login):
    h = login("inspector")
    items = {c["call_id"]: c for c in client.get("/api/calls", params={"date_from": "2026-11-26"}, headers=h).json()["items"]}
    assert (items["M_UNSURE"]["roles_uncertain"], items["M_UNSURE"]["role_confidence"]) == (True, 0.12)
    assert (items["M_SURE"]["roles_uncertain"], items["M_SURE"]["role_confidence"]) == (False, 0.97)
    assert (items["STEREO"]["roles_uncertain"], items["STEREO"]["role_confidence"]) == (False, None)


@pytest.mark.postgres
def test_role_flags_are_read_from_the_json_metrics_on_postgres(postgres_url, settings):
    from qa_engine.api.services.calls import CallFilters, list_calls
    from qa_engine.storage.db import session_scope
    from qa_engine.storage.schema import init_db

    pg = settings.model_copy(update={"database_url": postgres_url})
    init_db(pg)
    for analysis in (_mono("M_UNSURE", 0.12, 9), _mono("M_SURE", 0.97, 10)):
        store_call(analysis, pg)
    with session_scope(pg) as s:
        items, _ = list_calls(s, filters=CallFilters())
    assert {c["call_id"]: (c["roles_uncertain"], c["role_confidence"]) for c in items} == {
        "M_UNSURE": (True, 0.12), "M_SURE": (False, 0.97)}
