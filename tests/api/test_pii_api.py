"""Personal numbers in transcripts and audio, per role: agents and trainers get them masked (and
bleeped), inspectors and supervisors get them as spoken; the stored transcript never changes."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from sqlmodel import select

from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call, FindingRow, UtteranceRow

SPOKEN = "好的，我的手机是幺三八，一二三四，五六七八，身份证号五二零一零二一九九零零一零一一二三X。"
# Word timings as the ASR stores them: the phone number is spoken from 1.8 s to 2.9 s, the ID from 3.0 s to 3.8 s.
WORDS = [("好的，", 0.5, 0.8), ("我的", 0.8, 1.1), ("手机", 1.1, 1.5), ("是", 1.5, 1.8), ("幺三八，", 1.8, 2.2),
         ("一二三四，", 2.2, 2.5), ("五六七八，", 2.5, 2.9), ("身份证号", 2.9, 3.0),
         ("五二零一零二一九九零零一零一一二三X", 3.0, 3.8), ("。", 3.8, 3.9)]
PHONE_SPAN, ID_SPAN = (1.8, 2.9), (3.0, 3.8)


@pytest.fixture
def spoken_numbers(db):
    """Call C1 (agent 108) with a customer utterance holding a phone and an ID-card number, quoted
    as a finding's evidence too."""
    with session_scope(db) as session:
        call = session.exec(select(Call).where(Call.call_id == "C1")).one()
        session.add(UtteranceRow(call_pk=call.id, idx=99, speaker="customer", start=0.5, end=3.9, text=SPOKEN,
                                 words=[{"text": w, "start": a, "end": b, "probability": 0.9} for w, a, b in WORDS]))
        finding = session.exec(select(FindingRow).where(FindingRow.call_pk == call.id)).first()
        finding.evidence = [{"speaker": "customer", "start": 0.5, "end": 3.9, "text": SPOKEN}]
        session.add(finding)
    return db


def _texts(detail: dict) -> str:
    return " ".join([u["text"] for u in detail["transcript"]]
                    + [e.get("text", "") for f in detail["findings"] for e in f["evidence"]])


@pytest.mark.parametrize("role", ["agent108", "trainer"])
def test_agents_and_trainers_see_masked_numbers(client, login, spoken_numbers, role):
    d = client.get("/api/calls/C1", headers=login(role)).json()
    text = _texts(d)
    assert "幺三八" not in text and "五二零一" not in text
    assert text.count("138****5678") == 2 and text.count("＊＊＊［身份证号］") == 2  # transcript and evidence
    assert "早上好，夜郎印象连锁酒店，我是108号" in text  # the work number is no personal data
    assert d["call"]["customer_number"] == "139****1234" and d["call"]["record"]["customer_number"] == "139****1234"


@pytest.mark.parametrize("role", ["inspector", "supervisor"])
def test_inspectors_and_supervisors_see_the_numbers_as_spoken(client, login, spoken_numbers, role):
    d = client.get("/api/calls/C1", headers=login(role)).json()
    assert _texts(d).count(SPOKEN) == 2
    assert d["call"]["customer_number"] == "13900001234"


def test_the_stored_transcript_is_never_changed(client, login, spoken_numbers):
    client.get("/api/calls/C1", headers=login("agent108"))
    with session_scope(spoken_numbers) as session:
        assert session.exec(select(UtteranceRow.text).where(UtteranceRow.idx == 99)).one() == SPOKEN


def test_call_list_masks_caller_numbers_for_agents_only(client, login):
    mine = client.get("/api/calls", headers=login("agent108")).json()["items"]
    assert {c["customer_number"] for c in mine} == {"139****1234"}
    staff = client.get("/api/calls", headers=login("inspector")).json()["items"]
    assert {c["customer_number"] for c in staff} == {"13900001234"}


@pytest.mark.parametrize("role", ["agent108", "trainer"])
def test_the_caller_number_filter_cannot_confirm_hidden_digits(client, login, role):
    # 139****1234 is shown; guessing the middle digits must not tell a right guess from a wrong one.
    for guess in ("13900001234", "13911111234"):
        r = client.get("/api/calls", params={"customer_number": guess}, headers=login(role))
        assert r.status_code == 403 and "pii.read" in r.json()["detail"]
    staff = client.get("/api/calls", params={"customer_number": "13900001234"}, headers=login("inspector")).json()
    assert staff["total"] > 0 and {c["customer_number"] for c in staff["items"]} == {"13900001234"}


def _samples(content: bytes) -> tuple[np.ndarray, int]:
    data, rate = sf.read(io.BytesIO(content), dtype="int16", always_2d=True)
    return data, rate


def test_agents_hear_the_numbers_bleeped_and_nothing_else_changed(client, login, spoken_numbers):
    original, rate = _samples(client.get("/api/calls/C1/audio", headers=login("inspector")).content)
    r = client.get("/api/calls/C1/audio", headers=login("agent108"))
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    bleeped, rate2 = _samples(r.content)
    assert rate2 == rate and bleeped.shape == original.shape
    inside = np.zeros(len(original), dtype=bool)
    for a, b in (PHONE_SPAN, ID_SPAN):
        inside[int(a * rate):int(np.ceil(b * rate))] = True
    assert np.array_equal(bleeped[~inside], original[~inside])  # bit-identical outside the spans
    assert not np.array_equal(bleeped[inside], original[inside])
    # The tone is 1 kHz: its spectrum peaks there.
    phone = bleeped[int(PHONE_SPAN[0] * rate):int(PHONE_SPAN[1] * rate), 0].astype(float)
    peak = np.argmax(np.abs(np.fft.rfft(phone))) * rate / len(phone)
    assert abs(peak - 1000) < 10


def test_a_call_without_numbers_is_served_unchanged_with_ranges(client, login):
    h = login("agent108")
    full = client.get("/api/calls/C1/audio", headers=h)
    assert full.content == client.get("/api/calls/C1/audio", headers=login("inspector")).content
    assert client.get("/api/calls/C1/audio", headers=h | {"Range": "bytes=0-99"}).status_code == 206
