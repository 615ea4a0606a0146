"""Customers and their phone numbers (each number belongs to one customer)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from crm import errors
from crm.models import (
    KIND_LABELS_ZH,
    Card,
    Customer,
    CustomerCreate,
    CustomerKind,
    CustomerNote,
    CustomerPhone,
    CustomerPublic,
    CustomerUpdate,
    NoteKind,
    StaffRole,
)
from crm.phone import normalize_phone, try_normalize_phone
from crm.services.clock import _at
from crm.services.staff import get_staff


def _next_customer_code(session: Session) -> str:
    n = (session.exec(select(func.max(Customer.id))).one() or 0) + 1
    while session.exec(select(Customer.id).where(Customer.code == f"C{n:06d}")).first() is not None:
        n += 1
    return f"C{n:06d}"


def _phone_owner(session: Session, number: str) -> Customer | None:
    row = session.exec(select(CustomerPhone).where(CustomerPhone.number == number)).first()
    return session.get(Customer, row.customer_id) if row else None


def _check_customer_fields(session: Session, *, name: str | None, member_card_no: str | None, customer_id: int | None) -> None:
    if name is not None and not name.strip():
        raise errors.InvalidValue("客户名称不能为空", "customer name must not be empty")
    if member_card_no:
        other = session.exec(select(Customer).where(Customer.member_card_no == member_card_no)).first()
        if other is not None and other.id != customer_id:
            raise errors.DuplicateCustomer("会员卡号", member_card_no)


def create_customer(session: Session, *, customer_in: CustomerCreate, at: datetime | None = None) -> Customer:
    """Create a customer with its phone numbers (normalised; each number belongs to one customer)."""
    _check_customer_fields(session, name=customer_in.name, member_card_no=customer_in.member_card_no, customer_id=None)
    if customer_in.code and session.exec(select(Customer.id).where(Customer.code == customer_in.code)).first():
        raise errors.DuplicateCustomer("编号", customer_in.code)
    numbers = _checked_new_numbers(session, customer_in.phones, customer_id=None)
    if customer_in.service_agent_id is not None:
        get_staff(session, ref=customer_in.service_agent_id)
    now = _at(at)
    data = customer_in.model_dump(exclude={"phones", "code"})
    customer = Customer(**data, code=customer_in.code or _next_customer_code(session), created_at=now, updated_at=now)
    customer.name = customer.name.strip()
    session.add(customer)
    session.flush()
    for i, (number, raw) in enumerate(numbers):
        session.add(CustomerPhone(customer_id=customer.id, number=number, raw=raw, is_primary=i == 0))
    session.flush()
    return customer


def _checked_new_numbers(session: Session, raws: Sequence[str], *, customer_id: int | None) -> list[tuple[str, str]]:
    """(normalised, raw) for numbers not yet on this customer; refuses numbers owned by another."""
    seen: dict[str, str] = {}
    for raw in raws:
        number = normalize_phone(raw)
        owner = _phone_owner(session, number)
        if owner is not None and owner.id != customer_id:
            raise errors.PhoneInUse(number, owner.name)
        if owner is None and number not in seen:
            seen[number] = raw.strip()
    return list(seen.items())


def update_customer(session: Session, *, customer_id: int, customer_in: CustomerUpdate, at: datetime | None = None) -> Customer:
    """Change the fields that ``customer_in`` sets."""
    customer = get_customer(session, ref=customer_id)
    data = customer_in.model_dump(exclude_unset=True)
    _check_customer_fields(session, name=data.get("name"), member_card_no=data.get("member_card_no"), customer_id=customer.id)
    if data.get("service_agent_id") is not None:
        get_staff(session, ref=data["service_agent_id"])
    customer.sqlmodel_update(data)
    customer.updated_at = _at(at)
    session.add(customer)
    session.flush()
    return customer


def get_customer(session: Session, *, ref: int | str) -> Customer:
    """A customer by id or by customer code."""
    customer = session.get(Customer, ref) if isinstance(ref, int) else None
    if customer is None:
        customer = session.exec(select(Customer).where(Customer.code == str(ref))).first()
    if customer is None:
        raise errors.CustomerNotFound(ref)
    return customer


def add_phone(session: Session, *, customer_id: int, phone: str, label: str | None = None, primary: bool = False) -> CustomerPhone:
    """Add a number to a customer (idempotent for a number it already has)."""
    customer = get_customer(session, ref=customer_id)
    number = normalize_phone(phone)
    owner = _phone_owner(session, number)
    if owner is not None and owner.id != customer.id:
        raise errors.PhoneInUse(number, owner.name)
    row = session.exec(select(CustomerPhone).where(CustomerPhone.number == number)).first()
    has_any = session.exec(select(CustomerPhone.id).where(CustomerPhone.customer_id == customer.id)).first() is not None
    if row is None:
        row = CustomerPhone(customer_id=customer.id, number=number, raw=phone.strip(), label=label, is_primary=not has_any)
    if primary:
        for other in session.exec(select(CustomerPhone).where(CustomerPhone.customer_id == customer.id)):
            other.is_primary = False
            session.add(other)
        row.is_primary = True
    session.add(row)
    session.flush()
    return row


def customer_phones(session: Session, *, customer_id: int) -> list[str]:
    """Normalised numbers, primary first."""
    stmt = (
        select(CustomerPhone.number)
        .where(CustomerPhone.customer_id == customer_id)
        .order_by(col(CustomerPhone.is_primary).desc(), CustomerPhone.id)
    )
    return list(session.exec(stmt))


def find_customer_by_phone(session: Session, *, phone: str) -> Customer | None:
    """The customer a caller number belongs to, in any written form; None when unknown or unusable."""
    number = try_normalize_phone(phone)
    return _phone_owner(session, number) if number else None


def search_customers(session: Session, *, query: str, kind: CustomerKind | None = None, limit: int = 50) -> list[Customer]:
    """Customers whose name, company, contact, code, member card, VIP card number or phone contains ``query``."""
    q = (query or "").strip()
    stmt = select(Customer)
    if q:
        like = f"%{q}%"
        conditions = [
            col(Customer.name).ilike(like),
            col(Customer.company).ilike(like),
            col(Customer.contact_person).ilike(like),
            col(Customer.code).ilike(like),
            col(Customer.member_card_no).ilike(like),
            col(Customer.id).in_(select(Card.customer_id).where(col(Card.card_no).ilike(like))),
        ]
        digits = try_normalize_phone(q)
        if digits:
            conditions.append(col(Customer.id).in_(select(CustomerPhone.customer_id).where(col(CustomerPhone.number).contains(digits))))
        stmt = stmt.where(or_(*conditions))
    if kind is not None:
        stmt = stmt.where(Customer.kind == kind)
    return list(session.exec(stmt.order_by(Customer.name, Customer.id).limit(limit)))


def customer_public(session: Session, *, customer: Customer) -> CustomerPublic:
    return CustomerPublic.model_validate(
        customer,
        update={"kind_label": KIND_LABELS_ZH[customer.kind], "phones": customer_phones(session, customer_id=customer.id)},
    )


def assign_service_agent(session: Session, *, customer_id: int, staff_ref: int | str) -> Customer:
    """Give a premium member a dedicated after-sales agent."""
    agent = get_staff(session, ref=staff_ref)
    if agent.role != StaffRole.service_agent:
        raise errors.InvalidValue(f"{agent.name} 不是售后客服", f"{agent.name} is not a service agent")
    customer = get_customer(session, ref=customer_id)
    customer.service_agent_id = agent.id
    session.add(customer)
    session.flush()
    return customer


def add_customer_note(
    session: Session, *, customer_id: int, text: str, kind: NoteKind = NoteKind.note, staff_ref: int | str | None = None, at: datetime | None = None
) -> CustomerNote:
    """Record a need or note in the customer's after-sales history."""
    if not text or not text.strip():
        raise errors.InvalidValue("备注内容不能为空", "note text must not be empty")
    customer = get_customer(session, ref=customer_id)
    staff_id = get_staff(session, ref=staff_ref).id if staff_ref is not None else None
    note = CustomerNote(customer_id=customer.id, staff_id=staff_id, noted_at=_at(at), kind=kind, text=text.strip())
    session.add(note)
    session.flush()
    return note
