"""The dashboard's customer search follows the API's rule: phones masked without pii.read, and no
searching by phone number for those roles (each hit would confirm hidden digits)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from qa_engine import policy
from qa_engine.api.demo import DEMO_PHONE
from tests.dashboard.apptest_helpers import texts


def _search(role: str, query: str):
    import streamlit as st

    from dashboard import data

    st.session_state["user"] = {"username": role, "role": role, "agent_id": None}
    try:
        st.write(" ".join(p for hit in data.search_customers(query) for p in hit["phones"]) or "none")
    except Exception as exc:  # noqa: BLE001 (the refusal is what the test reads)
        st.write(f"refused {type(exc).__name__}")


def _run(role: str, query: str) -> str:
    return texts(AppTest.from_function(_search, args=(role, query), default_timeout=60).run())


def test_trainers_have_no_customer_search(dash_db):
    assert _run("inspector", "黔途") == DEMO_PHONE
    assert _run("inspector", DEMO_PHONE) == DEMO_PHONE
    assert _run("trainer", "黔途") == "refused PermissionDenied"


def test_search_masks_phones_and_refuses_number_guesses_without_pii_read(dash_db, monkeypatch):
    # No default role reads the CRM without pii.read; a site that grants it gets masked phones.
    monkeypatch.setitem(policy.GRANTS, "trainer", policy.GRANTS["trainer"] | {policy.CRM_READ})
    assert _run("trainer", "黔途") == f"{DEMO_PHONE[:3]}****{DEMO_PHONE[-4:]}"
    assert _run("trainer", DEMO_PHONE) == "refused PermissionDenied"
