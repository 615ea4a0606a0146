from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, Field

from qa_engine import policy
from qa_engine.api.crm_schemas import CustomerHit, CustomerPanel, RebateRow
from qa_engine.api.deps import CrmReader, MonthEndRunner, SessionDep, visible_call
from qa_engine.api.services import crm_panel as svc

router = APIRouter(prefix="/crm", tags=["crm"])


class PhoneLookup(BaseModel):
    phone: str = Field(min_length=1, max_length=64, description="the customer's phone number, any common form")


PHONE_SEARCH_REFUSED = "searching customers by phone number needs the pii.read permission: your role sees numbers masked"
Month = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def _unavailable(exc: svc.CrmUnavailable) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))


def _panel(session, phone: str) -> dict:
    try:
        panel = svc.customer_panel(session, phone=phone)
    except svc.CrmUnavailable as exc:
        raise _unavailable(exc) from exc
    if panel is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no customer with this number")
    return panel


@router.get("/customers/by-call/{call_id}", response_model=CustomerPanel)
def by_call(session: SessionDep, user: CrmReader, call_id: str) -> dict:
    """The panel beside a call, for the call's caller: customer, kind, VIP cards and sub-card balances,
    recent ledger, open feedback and recent contacts. (By call id: phone numbers stay out of URLs,
    and so out of access logs.)"""
    call = visible_call(session, user, call_id)
    if not call.customer_number:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"call {call_id} has no caller number")
    return _panel(session, call.customer_number)


@router.post("/customers/lookup", response_model=CustomerPanel)
def lookup(session: SessionDep, _user: CrmReader, body: PhoneLookup) -> dict:
    """The same panel for a phone number given in the request body (never in the URL)."""
    return _panel(session, body.phone)


@router.get("/customers", response_model=list[CustomerHit])
def search(
    session: SessionDep,
    user: CrmReader,
    q: Annotated[str, Query(max_length=64, description="part of a name, company, contact, code, card or phone number")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict]:
    """Customers matching ``q`` (all customers, by name, when empty), as the dashboard's 客户档案 search.
    Without pii.read phones come masked, and a ``q`` matched against phone numbers is 403."""
    pii_read = policy.allows(user.role, policy.PII_READ)
    try:
        if not pii_read and svc.phone_search(q):
            raise HTTPException(status.HTTP_403_FORBIDDEN, PHONE_SEARCH_REFUSED)
        hits = svc.search_customers(session, query=q, limit=limit)
    except svc.CrmUnavailable as exc:
        raise _unavailable(exc) from exc
    return hits if pii_read else svc.masked_phones(hits)


@router.post("/month-end/{month}/rebates", response_model=list[RebateRow])
def month_end_rebates(session: SessionDep, _user: MonthEndRunner, month: Month) -> list[dict]:
    """Pay the month's government-unit rebates into their sub-cards. Idempotent: a second run reports
    ``already_paid`` and pays nothing. 409 with the CRM's message when it refuses (the month is not over)."""
    try:
        rows = svc.run_month_end_rebates(session, month=month)
    except svc.CrmUnavailable as exc:
        raise _unavailable(exc) from exc
    except svc.CrmRefused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.commit()
    return rows
