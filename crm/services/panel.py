"""The dashboard panel beside a call: the caller's CRM summary."""

from __future__ import annotations

from sqlmodel import Session, col, select

from crm.models import (
    KIND_LABELS_ZH,
    CardAccount,
    CardHolder,
    ContactLog,
    ContactLogPublic,
    CustomerNote,
    Feedback,
    FeedbackPublic,
    FeedbackStatus,
    Staff,
    StaffPublic,
)
from crm.phone import try_normalize_phone
from crm.schemas import (
    CustomerPanel,
    NotePublic,
)
from crm.services.cards import _ledger_rows, customer_cards
from crm.services.clock import _local
from crm.services.customers import _phone_owner, customer_public
from crm.services.gifts import customer_vouchers


def customer_panel(session: Session, *, phone: str, ledger_limit: int = 10, contacts_limit: int = 5, notes_limit: int = 5) -> CustomerPanel | None:
    """The caller's CRM summary for the QA dashboard; None for an unknown or withheld number."""
    number = try_normalize_phone(phone)
    customer = _phone_owner(session, number) if number else None
    if customer is None:
        return None
    cards = customer_cards(session, customer_id=customer.id)
    account_ids = list(session.exec(select(CardAccount.id).where(CardAccount.customer_id == customer.id)))
    open_fb = session.exec(
        select(Feedback).where(Feedback.customer_id == customer.id, Feedback.status == FeedbackStatus.open).order_by(col(Feedback.received_at).desc())
    )
    contacts = session.exec(
        select(ContactLog, Staff.name).join(Staff, col(Staff.id) == col(ContactLog.staff_id), isouter=True)
        .where(ContactLog.customer_id == customer.id).order_by(col(ContactLog.contacted_at).desc()).limit(contacts_limit)
    )
    notes = session.exec(
        select(CustomerNote, Staff.name).join(Staff, col(Staff.id) == col(CustomerNote.staff_id), isouter=True)
        .where(CustomerNote.customer_id == customer.id).order_by(col(CustomerNote.noted_at).desc()).limit(notes_limit)
    )
    agent = session.get(Staff, customer.service_agent_id) if customer.service_agent_id else None
    balances = {c.card_no: c.balance_fen for c in cards if not c.shares_balance_with or c.holder == CardHolder.customer}
    return CustomerPanel(
        phone=number,
        customer=customer_public(session, customer=customer),
        kind=customer.kind,
        kind_label=KIND_LABELS_ZH[customer.kind],
        company=customer.unit_name,
        person_name=customer.person_name,
        cards=cards,
        total_balance_fen=sum(balances.values()),
        recent_ledger=_ledger_rows(session, account_ids, ledger_limit),
        open_feedback=[FeedbackPublic.model_validate(f, update={"received_at": _local(f.received_at)}) for f in open_fb],
        recent_contacts=[ContactLogPublic.model_validate(c, update={"staff_name": name, "contacted_at": _local(c.contacted_at)})
                         for c, name in contacts],
        service_agent=StaffPublic.model_validate(agent) if agent else None,
        recent_notes=[NotePublic(id=n.id, noted_at=_local(n.noted_at), kind=n.kind, text=n.text, staff_name=name) for n, name in notes],
        unredeemed_vouchers=customer_vouchers(session, customer_id=customer.id, unredeemed_only=True),
    )
