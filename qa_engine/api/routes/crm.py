from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from qa_engine.api.deps import SessionDep, CrmReader
from qa_engine.api.services import crm_panel as svc

router = APIRouter(prefix="/crm", tags=["crm"])


def _unavailable(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc))


@router.get("/customers/by-phone/{phone}")
def by_phone(session: SessionDep, _user: CrmReader, phone: str) -> dict:
    """The panel beside a call: customer, kind, VIP cards and sub-card balances, recent ledger,
    open feedback and recent contacts."""
    try:
        panel = svc.customer_panel(session, phone=phone)
    except svc.CrmUnavailable as exc:
        raise _unavailable(exc) from exc
    if panel is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no customer with number {phone}")
    return panel
