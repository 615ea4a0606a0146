"""The CRM as the QA side sees it: thin wrappers over ``crm.services`` (its own package).

A call links to a customer by phone number only. Everything returned is JSON-ready data.
"""

from __future__ import annotations

from types import ModuleType

from sqlmodel import Session

from qa_engine import pii


class CrmUnavailable(RuntimeError):
    """The crm package (or the function asked for) is not installed in this build."""


class CrmRefused(RuntimeError):
    """The CRM refused the operation; the message is its own ("<中文> / <English>") and nothing was written."""


def _crm() -> ModuleType:
    try:
        from crm import services
    except ModuleNotFoundError as exc:
        if exc.name in ("crm", "crm.services"):
            raise CrmUnavailable("crm.services is not available") from exc
        raise
    return services


def _errors():
    from crm.errors import CrmError, NotFound

    return CrmError, NotFound


def _call(name: str, *args, **kwargs):
    fn = getattr(_crm(), name, None)
    if fn is None:
        raise CrmUnavailable(f"crm.services.{name} is not available")
    return fn(*args, **kwargs)


def _json(value):
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def customer_panel(session: Session, *, phone: str) -> dict | None:
    """Customer, kind, VIP cards and sub-card balances, recent ledger, feedback and contacts; None if
    no customer has this number (or the number is not a phone number)."""
    _crm_error, not_found = _errors()
    from crm.errors import InvalidPhone

    try:
        panel = _call("customer_panel", session, phone=phone)
    except (not_found, InvalidPhone):
        return None
    return None if panel is None else _json(panel)


def call_service(session: Session, name: str, **kwargs):
    """Any other read-only CRM service by name (search, profile, reports), as JSON-ready data."""
    return _json(_call(name, session, **kwargs))


def search_customers(session: Session, *, query: str, limit: int = 50) -> list[dict]:
    """Customers whose name, company, contact, codes, VIP card number or phone contains ``query``, each
    with its kind label and phone numbers (primary first)."""
    crm = _crm()
    found = crm.search_customers(session, query=query, limit=limit)
    return [_json(crm.customer_public(session, customer=c)) for c in found]


def phone_search(query: str) -> bool:
    """Whether :func:`search_customers` matches ``query`` against phone numbers (5+ digits). Roles that
    see numbers masked may not search so: each hit would confirm hidden digits, one guess at a time."""
    try:
        from crm.phone import try_normalize_phone  # here, as in _crm: the crm package is optional
    except ModuleNotFoundError as exc:
        raise CrmUnavailable("crm.phone is not available") from exc
    return try_normalize_phone(query or "") is not None


def masked_phones(hits: list[dict]) -> list[dict]:
    """Search hits as a role without PII_READ sees them (139****1234)."""
    return [{**h, "phones": [pii.mask_phone(p) for p in h["phones"]]} for h in hits]


def run_month_end_rebates(session: Session, *, month: str) -> list[dict]:
    """Pay the month's government-unit rebates (idempotent: a second run reports ``already_paid``).
    Flushes, never commits: the caller commits. A refusal (the month is not over) is :class:`CrmRefused`."""
    crm_error, _not_found = _errors()
    try:
        return _json(_call("run_month_end_rebates", session, month=month))
    except crm_error as exc:
        raise CrmRefused(str(exc)) from exc
