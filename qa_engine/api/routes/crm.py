from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from qa_engine.api.deps import SessionDep, CrmReader, visible_call
from qa_engine.api.services import crm_panel as svc

router = APIRouter(prefix="/crm", tags=["crm"])


class PhoneLookup(BaseModel):
    phone: str = Field(min_length=1, max_length=64, description="the customer's phone number, any common form")


def _panel(session, phone: str) -> dict:
    try:
        panel = svc.customer_panel(session, phone=phone)
    except svc.CrmUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    if panel is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no customer with this number")
    return panel


@router.get("/customers/by-call/{call_id}")
def by_call(session: SessionDep, user: CrmReader, call_id: str) -> dict:
    """The panel beside a call, for the call's caller: customer, kind, VIP cards and sub-card balances,
    recent ledger, open feedback and recent contacts. (By call id: phone numbers stay out of URLs,
    and so out of access logs.)"""
    call = visible_call(session, user, call_id)
    if not call.customer_number:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id} has no caller number")
    return _panel(session, call.customer_number)


@router.post("/customers/lookup")
def lookup(session: SessionDep, _user: CrmReader, body: PhoneLookup) -> dict:
    """The same panel for a phone number given in the request body (never in the URL)."""
    return _panel(session, body.phone)
