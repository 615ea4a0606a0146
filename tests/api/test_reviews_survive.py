"""Inspectors' work survives re-analysis and re-upload: verdicts, deductions and final scores stay on
the analysis they were given on; a new analysis that contradicts a verdict marks the call for
re-review; a stored recording with another call record is refused unless explicitly corrected."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa_engine.api.demo import demo_analysis, store_call
from qa_engine.api.main import create_app
from qa_engine.audio import content_hash
from tests.api.conftest import PASSWORDS
from tests.api.test_calls import _wait

UPLOAD = b"RIFF0000WAVE" + b"\x01\x02" * 64


def analyzer(fails: tuple[str, ...], *, real_hash: bool = False):
    """The engine's stand-in: the call record beside the recording, analysed with the demo ruleset."""

    def analyse(path: Path, _settings):
        record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return demo_analysis(record["call_id"], source_path=str(path), agent_id=record["agent_id"],
                             started_at=datetime.fromisoformat(record["started_at"]), fails=fails,
                             content_hash=content_hash(path) if real_hash else None)

    return analyse


@pytest.fixture
def app_with(db):
    """``app_with(fails)`` → (client, login) for an app whose engine finds ``fails``."""
    clients = []

    def make(fails, **kw):
        client = TestClient(create_app(db, analyzer=analyzer(fails, **kw), saver=store_call)).__enter__()
        clients.append(client)

        def login(user):
            r = client.post("/api/auth/token", data={"username": user, "password": PASSWORDS[user]})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        return client, login

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def _judge_and_finalise_c1(client, h) -> dict:
    d = client.get("/api/calls/C1", headers=h).json()
    # The recording's call record beside it, as the engine reads it on re-analysis.
    Path(d["call"]["source_path"]).with_suffix(".json").write_text(json.dumps(d["call"]["record"]), encoding="utf-8")
    by_rule = {f["rule_id"]: f["id"] for f in d["findings"]}
    assert client.post(f"/api/calls/C1/findings/{by_rule['talk.banned_phrases']}/verdict", headers=h,
                       json={"verdict": "overturned", "comment": "客户引述"}).status_code == 200
    assert client.post(f"/api/calls/C1/findings/{by_rule['hold.max_60s']}/verdict", headers=h,
                       json={"verdict": "confirmed"}).status_code == 200
    assert client.post("/api/calls/C1/deductions", headers=h, json={"points": 2, "reason": "语气生硬"}).status_code == 201
    final = client.post("/api/calls/C1/finalise", headers=h, json={"comment": "复核完成"}).json()
    return {"analysis_id": d["analysis"]["id"], "final_score": final["final_score"]}


def _reanalyse(client, h, call_id="C1") -> None:
    r = client.post(f"/api/calls/{call_id}/reanalyse", headers=h)
    assert r.status_code == 202 and _wait(client, h, r.json()["id"])["status"] == "done"


def test_reanalysis_with_the_same_ruleset_keeps_verdicts_deductions_and_the_final_score(app_with):
    client, login = app_with(("talk.banned_phrases", "hold.max_60s"))  # the same outcomes as before
    h = login("inspector")
    before = _judge_and_finalise_c1(client, h)
    _reanalyse(client, h)

    d = client.get("/api/calls/C1", headers=h).json()
    assert [(a["ruleset_version"], a["revision"]) for a in d["analyses"]] == [("demo-1", 1), ("demo-1", 2)]
    assert d["analysis"]["revision"] == 2
    review = d["review"]
    assert (review["status"], review["final_score"], review["analysis_id"]) == ("final", before["final_score"], before["analysis_id"])
    assert [x["reason"] for x in review["deductions"]] == ["语气生硬"]
    assert review["rereview"] is False  # nothing the inspector judged changed
    judged = client.get("/api/calls/C1", params={"analysis_id": before["analysis_id"]}, headers=h).json()
    verdicts = {f["rule_id"]: f["verdict"]["verdict"] for f in judged["findings"] if f["verdict"]}
    assert verdicts == {"talk.banned_phrases": "overturned", "hold.max_60s": "confirmed"}


def test_a_new_analysis_that_contradicts_a_verdict_marks_the_call_for_re_review(app_with):
    client, login = app_with(("talk.banned_phrases",))  # hold.max_60s, confirmed as failed, now passes
    h = login("inspector")
    before = _judge_and_finalise_c1(client, h)
    assert client.get("/api/calls", params={"rereview": True}, headers=h).json()["items"] == []
    _reanalyse(client, h)

    review = client.get("/api/calls/C1", headers=h).json()["review"]
    assert review["rereview"] is True and review["final_score"] == before["final_score"]
    assert review["rereview_reasons"] == [{"rule_id": "hold.max_60s", "judged_outcome": "fail", "human_outcome": "fail",
                                           "analysis_id": before["analysis_id"], "new_outcome": "pass"}]
    # In the review queue although its review was final, and first in it.
    queue = client.get("/api/calls", params={"review_status": "open", "order": "queue"}, headers=h).json()["items"]
    assert queue[0]["call_id"] == "C1" and queue[0]["rereview"] is True
    assert "review.rereview" in [e["action"] for e in client.get("/api/calls/C1/audit", headers=h).json()]
    # The inspector re-reviews: reopen, finalise; the mark is gone.
    client.post("/api/calls/C1/reopen", headers=h, json={"comment": "重新分析后复核"})
    assert client.post("/api/calls/C1/finalise", headers=h, json={}).status_code == 200
    assert client.get("/api/calls/C1", headers=h).json()["review"]["rereview"] is False


def _upload(client, h, record: dict, **form):
    return client.post("/api/calls/upload", headers=h, files={"file": ("dup.wav", UPLOAD, "audio/wav")},
                       data={"record": json.dumps(record), **form})


def test_a_stored_recording_with_another_call_record_is_refused_unless_corrected(app_with, db):
    client, login = app_with(("close.thanks",), real_hash=True)
    h = login("inspector")
    first = {"call_id": "UP1", "direction": "inbound", "agent_id": "110", "agent_channel": "left",
             "started_at": "2026-11-22T10:00:00+08:00"}
    assert _wait(client, h, _upload(client, h, first).json()["id"])["status"] == "done"
    uploads_before = sorted(p.name for p in (db.data_dir / "uploads").iterdir())

    other = first | {"call_id": "UP9", "agent_id": "111"}
    r = _upload(client, h, other)
    assert r.status_code == 409
    assert all(s in r.json()["detail"] for s in ("dup.wav", "UP1", "110", "UP9", "111", "correction"))
    assert client.get("/api/calls/UP1", headers=h).json()["call"]["agent_id"] == "110"
    assert sorted(p.name for p in (db.data_dir / "uploads").iterdir()) == uploads_before

    r = _upload(client, h, other, correction="true")
    assert r.status_code == 202 and _wait(client, h, r.json()["id"])["status"] == "done"
    assert client.get("/api/calls/UP1", headers=h).status_code == 404
    assert client.get("/api/calls/UP9", headers=h).json()["call"]["agent_id"] == "111"
    entry = next(e for e in client.get("/api/calls/UP9/audit", headers=h).json() if e["action"] == "call.correct")
    assert entry["username"] == "inspector" and entry["detail"]["file"] == "dup.wav"
    assert (entry["detail"]["old"]["call_id"], entry["detail"]["old"]["agent_id"]) == ("UP1", "110")
    assert (entry["detail"]["new"]["call_id"], entry["detail"]["new"]["agent_id"]) == ("UP9", "111")
