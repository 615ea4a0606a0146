"""CRM services: keyword-only functions taking a ``Session``.

Conventions:
- Every function validates everything before it adds anything, so a refused operation (a
  :class:`~crm.errors.CrmError`) leaves nothing written. Functions ``flush`` but never commit: the
  caller's ``session_scope`` commits (or rolls back) the whole unit of work.
- Money is integer fen. Times are timezone-aware (SQLModel stores them in UTC); a naive ``at=`` means
  hotel-local time (Asia/Shanghai), and months, weeks and birthdays are counted in hotel-local time.
- Money moves only through ``crm.ledger.post_entry`` (a conditional UPDATE of the account's balance
  with its ledger entry), and state changes that must happen once (a card sold, a voucher redeemed)
  are conditional UPDATEs whose row count is checked: concurrent requests cannot overdraw a card, sell
  a card twice or redeem a voucher twice, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import calendar
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from crm import errors
from crm.ledger import account_balance, post_entry
from crm.models import (
    CATEGORY_LABELS_ZH,
    KIND_LABELS_ZH,
    UNIT_KINDS,
    BirthdayFlowers,
    Card,
    CardAccount,
    CardDraw,
    CardHolder,
    CardKind,
    CardPurchase,
    CardStatus,
    CommissionSettlement,
    ConsumptionSource,
    ContactChannel,
    ContactLog,
    ContactLogPublic,
    Customer,
    CustomerCreate,
    CustomerKind,
    CustomerNote,
    CustomerPhone,
    CustomerPublic,
    CustomerUpdate,
    EntryKind,
    Feedback,
    FeedbackCategory,
    FeedbackKind,
    FeedbackPublic,
    FeedbackSource,
    FeedbackStatus,
    Gender,
    LedgerEntry,
    LedgerRow,
    NoteKind,
    RebatePayout,
    SpendCategory,
    Staff,
    StaffCreate,
    StaffPublic,
    StaffRole,
    UnitConsumption,
    Voucher,
    VoucherKind,
)
from crm.money import percent_of_fen
from crm.phone import normalize_phone, try_normalize_phone
from crm.schemas import (
    BirthdayRow,
    BuyerRegistration,
    CardSummary,
    CommissionRow,
    CustomerPanel,
    FeedbackCount,
    FeedbackSheetRow,
    MonthlyFeedbackAnalysis,
    NotePublic,
    PurchaseSummary,
    RebateRow,
    SpendResult,
    VoucherPublic,
    WeeklyFeedbackSheet,
)

HOTEL_TZ = ZoneInfo("Asia/Shanghai")

FACE_VALUES_FEN = (1_000_000, 2_000_000)  # 壹万元、贰万元
COMMISSION_RATES = {1_000_000: Decimal("0.015"), 2_000_000: Decimal("0.02")}
# One-time purchase (yuan) → (standard rooms for one night, KTV vouchers). Above 50,000 the top row applies.
GIFT_TIERS: dict[int, tuple[int, int]] = {
    10_000: (2, 1),
    20_000: (3, 2),
    30_000: (4, 3),
    40_000: (5, 4),
    50_000: (6, 4),
}
BIRTHDAY_FLOWERS_FEN = 8_000  # 80 元鲜花一束
SELLING_ROLES = (StaffRole.sales, StaffRole.manager)

_CASH_WORDS = {"cash", "cash_out", "cashout", "withdraw", "withdrawal", "refund", "现金", "提现", "兑现", "取现", "退款"}
_CATEGORY_WORDS = {"餐饮": SpendCategory.dining, "客房": SpendCategory.rooms, "住房": SpendCategory.rooms, "ktv": SpendCategory.ktv}


def local_now() -> datetime:
    """Now in hotel-local time (aware)."""
    return datetime.now(HOTEL_TZ).replace(microsecond=0)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=HOTEL_TZ)


def parse_month(month: str | date) -> tuple[str, datetime, datetime]:
    """``"2026-10"`` (or any date in it) → (``"2026-10"``, first instant, first instant of next month)."""
    if isinstance(month, str):
        try:
            year, mon = (int(p) for p in month.strip().split("-")[:2])
            start = date(year, mon, 1)
        except (ValueError, TypeError):
            raise errors.InvalidValue(f"月份格式应为 YYYY-MM：{month}", f"month must be YYYY-MM: {month}") from None
    else:
        start = month.replace(day=1)
    nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return f"{start.year:04d}-{start.month:02d}", _local_midnight(start), _local_midnight(nxt)


def _local(dt: datetime) -> datetime:
    """A stored (UTC) timestamp shown in hotel-local time."""
    return dt.astimezone(HOTEL_TZ)


def _at(at: datetime | None) -> datetime:
    """An aware timestamp: now by default, naive values read as hotel-local time."""
    if at is None:
        return local_now()
    return at if at.tzinfo is not None else at.replace(tzinfo=HOTEL_TZ)


def _check_amount(amount_fen: object) -> int:
    # bool is an int subclass and floats are inexact: both are refused.
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise errors.InvalidAmount(amount_fen)
    return amount_fen


# ---------------------------------------------------------------------------------------------
# Staff


def create_staff(session: Session, *, staff_in: StaffCreate) -> Staff:
    """Add a salesperson, service agent or finance clerk (``code`` is unique)."""
    if session.exec(select(Staff).where(Staff.code == staff_in.code)).first():
        raise errors.InvalidValue(f"员工工号重复：{staff_in.code}", f"duplicate staff code: {staff_in.code}")
    staff = Staff.model_validate(staff_in)
    session.add(staff)
    session.flush()
    return staff


def get_staff(session: Session, *, ref: int | str) -> Staff:
    """A staff member by id or by work number (code)."""
    staff = session.get(Staff, ref) if isinstance(ref, int) else None
    if staff is None:
        staff = session.exec(select(Staff).where(Staff.code == str(ref))).first()
    if staff is None:
        raise errors.StaffNotFound(ref)
    return staff


def list_staff(session: Session, *, role: StaffRole | None = None) -> list[Staff]:
    stmt = select(Staff).order_by(Staff.code)
    if role is not None:
        stmt = stmt.where(Staff.role == role)
    return list(session.exec(stmt))


# ---------------------------------------------------------------------------------------------
# Customers and phones


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


# ---------------------------------------------------------------------------------------------
# VIP cards


def _face_fen(face_value_yuan: object) -> int:
    if isinstance(face_value_yuan, bool) or not isinstance(face_value_yuan, int) or face_value_yuan * 100 not in FACE_VALUES_FEN:
        raise errors.InvalidFaceValue(face_value_yuan)
    return face_value_yuan * 100


def _salesperson(session: Session, ref: int | str) -> Staff:
    staff = get_staff(session, ref=ref)
    if staff.role not in SELLING_ROLES or not staff.active:
        raise errors.NotASalesperson(staff.name)
    return staff


def draw_cards(
    session: Session,
    *,
    salesperson_ref: int | str,
    face_value_yuan: int,
    count: int = 1,
    card_nos: Sequence[str] | None = None,
    recorded_by_ref: int | str | None = None,
    at: datetime | None = None,
    note: str | None = None,
) -> list[Card]:
    """Record that a salesperson drew ``count`` cards of one face value from finance (领卡登记)."""
    face_fen = _face_fen(face_value_yuan)
    staff = _salesperson(session, salesperson_ref)
    recorder = get_staff(session, ref=recorded_by_ref) if recorded_by_ref is not None else None
    if card_nos is not None:
        count = len(card_nos)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise errors.InvalidValue(f"领卡数量无效：{count}", f"invalid number of cards: {count}")
    numbers = list(card_nos) if card_nos is not None else _next_card_nos(session, count)
    if len(set(numbers)) != len(numbers):
        raise errors.InvalidValue("卡号重复", "duplicate card numbers")
    for no in numbers:
        if session.exec(select(Card.id).where(Card.card_no == no)).first() is not None:
            raise errors.InvalidValue(f"卡号已存在：{no}", f"card number already exists: {no}")
    now = _at(at)
    draw = CardDraw(staff_id=staff.id, recorded_by_id=recorder.id if recorder else None, face_value_fen=face_fen, count=count, drawn_at=now, note=note)
    session.add(draw)
    session.flush()
    cards = [
        Card(card_no=no, kind=CardKind.main, face_value_fen=face_fen, status=CardStatus.drawn, draw_id=draw.id, drawn_by_id=staff.id)
        for no in numbers
    ]
    session.add_all(cards)
    session.flush()
    return cards


def _next_card_nos(session: Session, count: int) -> list[str]:
    n = (session.exec(select(func.count()).select_from(Card).where(Card.kind == CardKind.main)).one() or 0) + 1
    numbers: list[str] = []
    while len(numbers) < count:
        no = f"VIP{n:06d}"
        if session.exec(select(Card.id).where(Card.card_no == no)).first() is None:
            numbers.append(no)
        n += 1
    return numbers


def _parse_gender(value: object) -> Gender | None:
    if value is None or value == "":
        return None
    if isinstance(value, Gender):
        return value
    text = str(value).strip().lower()
    mapping = {"男": Gender.male, "m": Gender.male, "male": Gender.male, "先生": Gender.male,
               "女": Gender.female, "f": Gender.female, "female": Gender.female, "女士": Gender.female}
    if text in mapping:
        return mapping[text]
    if text in ("unknown", "未知", ""):
        return Gender.unknown
    raise errors.InvalidValue(f"性别无效：{value}", f"invalid gender: {value}")


def _resolve_cards_to_sell(
    session: Session, *, staff: Staff, card_nos: Sequence[str] | None, face_values_yuan: Sequence[int] | None
) -> list[Card]:
    if bool(card_nos) == bool(face_values_yuan):
        raise errors.InvalidValue("请给出卡号或面值（二选一）", "give either card numbers or face values")
    cards: list[Card] = []
    if card_nos:
        for no in card_nos:
            card = session.exec(select(Card).where(Card.card_no == no)).first()
            if card is None or card.kind != CardKind.main:
                raise errors.CardNotDrawn(f"卡 {no} 未从财务部领出，不能销售", f"card {no} was not drawn from finance and cannot be sold")
            if card.status != CardStatus.drawn:
                raise errors.CardNotDrawn(f"卡 {no} 已售出或已作废", f"card {no} is already sold or void")
            if card.drawn_by_id != staff.id:
                raise errors.CardNotDrawn(f"卡 {no} 不是 {staff.name} 领出的", f"card {no} was not drawn by {staff.name}")
            if card in cards:
                raise errors.InvalidValue(f"卡号重复：{no}", f"card listed twice: {no}")
            cards.append(card)
        return cards
    for yuan in face_values_yuan or ():
        fen = _face_fen(yuan)
        stmt = (
            select(Card)
            .where(Card.drawn_by_id == staff.id, Card.status == CardStatus.drawn, Card.face_value_fen == fen)
            .order_by(Card.id)
        )
        card = next((c for c in session.exec(stmt) if c not in cards), None)
        if card is None:
            raise errors.CardNotDrawn(
                f"{staff.name} 没有已领出未售的 {yuan} 元卡，请先到财务部领卡",
                f"{staff.name} holds no drawn, unsold {yuan}-yuan card; draw one from finance first",
            )
        cards.append(card)
    return cards


def _registration(session: Session, customer: Customer, reg: BuyerRegistration) -> dict:
    """The effective registration (given fields over the customer's record); refuses missing fields."""
    is_unit = customer.kind in UNIT_KINDS
    contact_raw = reg.contact
    contact = normalize_phone(contact_raw) if contact_raw else None
    if contact:
        owner = _phone_owner(session, contact)
        if owner is not None and owner.id != customer.id:
            raise errors.PhoneInUse(contact, owner.name)
    else:
        phones = customer_phones(session, customer_id=customer.id)
        contact = phones[0] if phones else None
    gender = _parse_gender(reg.gender) or customer.gender
    eff = {
        "company": (reg.company or customer.company or (customer.name if is_unit else None) or "").strip(),
        "address": (reg.address or customer.address or "").strip(),
        "name": (reg.name or (customer.contact_person if is_unit else customer.name) or "").strip(),
        "gender": gender,
        "contact": contact,
        "birth_date": reg.birth_date or customer.birth_date,
    }
    missing = [k for k, v in eff.items() if not v or v == Gender.unknown]
    if missing:
        raise errors.RegistrationIncomplete(missing)
    return eff


def sell_cards(
    session: Session,
    *,
    customer_id: int,
    salesperson_ref: int | str,
    card_nos: Sequence[str] | None = None,
    face_values_yuan: Sequence[int] | None = None,
    registration: BuyerRegistration | None = None,
    at: datetime | None = None,
    gifts: bool = True,
    note: str | None = None,
) -> PurchaseSummary:
    """Sell drawn cards to a registered buyer as one purchase (一次性购买).

    Give the card numbers, or face values (the salesperson's oldest drawn cards are used). Each card
    gets a purchase ledger entry at face value; the customer gets its two sub-cards if it has none;
    gifts for the one-time total are issued as vouchers when ``gifts``.
    """
    staff = _salesperson(session, salesperson_ref)
    customer = get_customer(session, ref=customer_id)
    cards = _resolve_cards_to_sell(session, staff=staff, card_nos=card_nos, face_values_yuan=face_values_yuan)
    reg = _registration(session, customer, registration or BuyerRegistration())
    now = _at(at)
    _apply_registration(session, customer, reg, now)
    total = sum(c.face_value_fen for c in cards)
    before = session.exec(select(func.coalesce(func.sum(CardPurchase.total_fen), 0)).where(CardPurchase.customer_id == customer.id)).one()
    purchase = CardPurchase(
        customer_id=customer.id, sold_by_id=staff.id, purchased_at=now, card_count=len(cards), total_fen=total,
        cumulative_fen=before + total, reg_company=reg["company"], reg_address=reg["address"], reg_name=reg["name"],
        reg_gender=reg["gender"], reg_contact=reg["contact"], reg_birth_date=reg["birth_date"], note=note,
    )
    session.add(purchase)
    session.flush()
    for card in cards:
        account = CardAccount(customer_id=customer.id, kind=CardKind.main, opened_at=now)
        session.add(account)
        session.flush()
        _mark_sold(session, card, {"status": CardStatus.active, "account_id": account.id, "customer_id": customer.id,
                                   "purchase_id": purchase.id, "sold_by_id": staff.id, "issued_at": now})
        post_entry(session, LedgerEntry(account_id=account.id, card_id=card.id, kind=EntryKind.purchase, amount_fen=card.face_value_fen,
                                        occurred_at=now, staff_id=staff.id, purchase_id=purchase.id, note="购卡 / card purchase"),
                   card_no=card.card_no)
    subs = issue_sub_cards(session, customer_id=customer.id, at=now)
    vouchers = issue_gifts(session, purchase_id=purchase.id, at=now) if gifts else []
    return PurchaseSummary(
        purchase_id=purchase.id, customer_id=customer.id, card_nos=[c.card_no for c in cards], total_fen=total,
        cumulative_fen=purchase.cumulative_fen, purchased_at=now, vouchers=[v.code for v in vouchers],
        sub_card_nos=[c.card_no for c in subs],
    )


def _mark_sold(session: Session, card: Card, values: dict) -> None:
    """Sell ``card`` only if it is still drawn: a concurrent sale that got there first leaves no row to update."""
    sold = session.execute(
        update(Card).where(col(Card.id) == card.id, col(Card.status) == CardStatus.drawn).values(**values)
        .execution_options(synchronize_session="evaluate")
    )
    if sold.rowcount != 1:
        raise errors.CardNotDrawn(f"卡 {card.card_no} 已售出或已作废", f"card {card.card_no} is already sold or void")


def sell_card(
    session: Session,
    *,
    customer_id: int,
    salesperson_ref: int | str,
    face_value_yuan: int | None = None,
    card_no: str | None = None,
    registration: BuyerRegistration | None = None,
    at: datetime | None = None,
    gifts: bool = True,
) -> PurchaseSummary:
    """Sell one card (see :func:`sell_cards`)."""
    return sell_cards(
        session, customer_id=customer_id, salesperson_ref=salesperson_ref, card_nos=[card_no] if card_no else None,
        face_values_yuan=[face_value_yuan] if face_value_yuan is not None else None, registration=registration, at=at, gifts=gifts,
    )


def _apply_registration(session: Session, customer: Customer, reg: dict, now: datetime) -> None:
    is_unit = customer.kind in UNIT_KINDS
    if not is_unit:
        customer.company = reg["company"]
    elif not customer.contact_person:
        customer.contact_person = reg["name"]
    customer.address = reg["address"]
    customer.gender = reg["gender"]
    customer.birth_date = reg["birth_date"]
    customer.updated_at = now
    session.add(customer)
    if _phone_owner(session, reg["contact"]) is None:
        session.add(CustomerPhone(customer_id=customer.id, number=reg["contact"], raw=reg["contact"],
                                  is_primary=not customer_phones(session, customer_id=customer.id)))
    session.flush()


def issue_sub_cards(session: Session, *, customer_id: int, at: datetime | None = None) -> list[Card]:
    """The customer's two sub-cards (one held by the customer, one by finance) on one shared balance.

    Idempotent: returns the existing pair when there is one.
    """
    customer = get_customer(session, ref=customer_id)
    account = session.exec(select(CardAccount).where(CardAccount.customer_id == customer.id, CardAccount.kind == CardKind.sub)).first()
    if account is not None:
        return list(session.exec(select(Card).where(Card.account_id == account.id).order_by(Card.id)))
    now = _at(at)
    account = CardAccount(customer_id=customer.id, kind=CardKind.sub, opened_at=now)
    session.add(account)
    session.flush()
    cards = [
        Card(card_no=f"FK{customer.id:06d}-{i}", kind=CardKind.sub, holder=holder, status=CardStatus.active,
             account_id=account.id, customer_id=customer.id, issued_at=now)
        for i, holder in ((1, CardHolder.customer), (2, CardHolder.finance))
    ]
    session.add_all(cards)
    session.flush()
    return cards


def _card(session: Session, card_no: str) -> Card:
    card = session.exec(select(Card).where(Card.card_no == (card_no or "").strip())).first()
    if card is None:
        raise errors.CardNotFound(card_no)
    return card


def _active_account(session: Session, card: Card) -> CardAccount:
    if card.status != CardStatus.active or card.account_id is None:
        raise errors.CardNotActive(card.card_no, card.status.value)
    return session.get(CardAccount, card.account_id)


def _spend_category(category: object) -> SpendCategory:
    if isinstance(category, SpendCategory):
        return category
    text = str(category or "").strip().lower()
    if text in _CASH_WORDS:
        raise errors.CashOutRefused()
    if text in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[text]
    try:
        return SpendCategory(text)
    except ValueError:
        raise errors.DisallowedCategory(category) from None


def card_balance(session: Session, *, card_no: str) -> int:
    """The card's balance in fen, summed from its account's ledger (sub-cards share one)."""
    card = _card(session, card_no)
    return account_balance(session, card.account_id) if card.account_id is not None else 0


def spend(
    session: Session,
    *,
    card_no: str,
    amount_fen: int,
    category: SpendCategory | str,
    at: datetime | None = None,
    staff_ref: int | str | None = None,
    agreement_price_fen: int | None = None,
    note: str | None = None,
) -> SpendResult:
    """Pay for dining, rooms or KTV with a main card or a sub-card.

    Refused (nothing written): non-positive or non-integer amounts, cash-out, other categories,
    an inactive card, an overdraft. A government/institution unit pays the walk-in price
    (``amount_fen``) and must give ``agreement_price_fen``; the pair is recorded for its month-end rebate.
    """
    amount = _check_amount(amount_fen)
    cat = _spend_category(category)
    card = _card(session, card_no)
    account = _active_account(session, card)
    customer = session.get(Customer, account.customer_id)
    is_government = customer is not None and customer.kind == CustomerKind.government
    if is_government:
        if agreement_price_fen is None:
            raise errors.MissingAgreementPrice()
        _check_prices(amount, agreement_price_fen)
    staff_id = get_staff(session, ref=staff_ref).id if staff_ref is not None else None
    now = _at(at)
    entry = post_entry(session, LedgerEntry(account_id=account.id, card_id=card.id, kind=EntryKind.spend, amount_fen=-amount,
                                            category=cat, occurred_at=now, staff_id=staff_id, note=note or CATEGORY_LABELS_ZH[cat]),
                       card_no=card.card_no)
    if is_government:
        source = ConsumptionSource.ktv if cat == SpendCategory.ktv else ConsumptionSource.finance
        session.add(UnitConsumption(customer_id=customer.id, category=cat, occurred_at=now, walk_in_fen=amount,
                                    agreement_fen=agreement_price_fen, source=source, ledger_entry_id=entry.id, note=note))
        session.flush()
    return SpendResult(entry_id=entry.id, card_no=card.card_no, amount_fen=amount, category=cat, balance_fen=entry.balance_after_fen)


def _check_prices(walk_in_fen: int, agreement_fen: object) -> None:
    if isinstance(agreement_fen, bool) or not isinstance(agreement_fen, int) or agreement_fen < 0:
        raise errors.InvalidAmount(agreement_fen, "协议价无效", "invalid agreement price")
    if agreement_fen > walk_in_fen:
        raise errors.InvalidAmount(agreement_fen, "协议价不能高于散客价", "agreement price must not exceed the walk-in price")


def record_unit_consumption(
    session: Session,
    *,
    customer_id: int,
    category: SpendCategory | str,
    walk_in_fen: int,
    agreement_fen: int,
    source: ConsumptionSource = ConsumptionSource.finance,
    at: datetime | None = None,
    note: str | None = None,
) -> UnitConsumption:
    """A government unit's consumption paid otherwise than by card (mostly on account, 挂帐), or reported by KTV."""
    _check_amount(walk_in_fen)
    _check_prices(walk_in_fen, agreement_fen)
    cat = _spend_category(category)
    customer = get_customer(session, ref=customer_id)
    if customer.kind != CustomerKind.government:
        raise errors.InvalidValue("只有机关事业单位按散客价结算并返奖", "only government/institution units are rebated")
    row = UnitConsumption(customer_id=customer.id, category=cat, occurred_at=_at(at), walk_in_fen=walk_in_fen,
                          agreement_fen=agreement_fen, source=source, note=note)
    session.add(row)
    session.flush()
    return row


def adjust(session: Session, *, card_no: str, amount_fen: int, reason: str, staff_ref: int | str, at: datetime | None = None) -> LedgerEntry:
    """A correction entry (signed, with a reason and a responsible staff member); never below zero."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen == 0:
        raise errors.InvalidAmount(amount_fen, "调整金额不能为零", "adjustment must be a non-zero integer")
    if not reason or not reason.strip():
        raise errors.InvalidValue("调整必须注明原因", "an adjustment needs a reason")
    card = _card(session, card_no)
    account = _active_account(session, card)
    staff = get_staff(session, ref=staff_ref)
    return post_entry(session, LedgerEntry(account_id=account.id, card_id=card.id, kind=EntryKind.adjustment, amount_fen=amount_fen,
                                           occurred_at=_at(at), staff_id=staff.id, note=reason.strip()), card_no=card.card_no)


def _ledger_rows(session: Session, account_ids: Sequence[int], limit: int | None) -> list[LedgerRow]:
    """Entries newest posted first, each with the balance of its account once it was posted."""
    if not account_ids:
        return []
    stmt = select(LedgerEntry, Card.card_no).join(Card, col(Card.id) == col(LedgerEntry.card_id), isouter=True)
    stmt = stmt.where(col(LedgerEntry.account_id).in_(account_ids)).order_by(col(LedgerEntry.id).desc()).limit(limit)
    return [LedgerRow(id=entry.id, card_no=card_no, kind=entry.kind, amount_fen=entry.amount_fen, category=entry.category,
                      occurred_at=entry.occurred_at.astimezone(HOTEL_TZ), note=entry.note, balance_after_fen=entry.balance_after_fen)
            for entry, card_no in session.exec(stmt)]


def ledger(session: Session, *, card_no: str, limit: int | None = None) -> list[LedgerRow]:
    """The card account's entries, newest first, with the running balance."""
    card = _card(session, card_no)
    return _ledger_rows(session, [card.account_id] if card.account_id else [], limit)


def customer_cards(session: Session, *, customer_id: int) -> list[CardSummary]:
    """The customer's main cards and sub-cards with their balances (main first, oldest first)."""
    cards = list(session.exec(select(Card).where(Card.customer_id == customer_id).order_by(Card.kind, Card.id)))
    balances = {a: account_balance(session, a) for a in {c.account_id for c in cards if c.account_id}}
    by_account: dict[int, list[str]] = {}
    for c in cards:
        by_account.setdefault(c.account_id, []).append(c.card_no)
    return [
        CardSummary(card_no=c.card_no, kind=c.kind, holder=c.holder, status=c.status, face_value_fen=c.face_value_fen,
                    balance_fen=balances.get(c.account_id, 0),
                    shares_balance_with=[n for n in by_account.get(c.account_id, []) if n != c.card_no])
        for c in cards
    ]


# ---------------------------------------------------------------------------------------------
# Gifts


def gifts_for_purchase(total_fen: int) -> tuple[int, int]:
    """(rooms, KTV vouchers) for a one-time purchase: the highest tier not above the total."""
    tiers = [yuan for yuan in sorted(GIFT_TIERS) if yuan * 100 <= total_fen]
    return GIFT_TIERS[tiers[-1]] if tiers else (0, 0)


def _voucher_code(session: Session, kind: VoucherKind) -> str:
    prefix = "KF" if kind == VoucherKind.room_night else "KTV"
    while True:  # unguessable, since a voucher is worth money
        code = f"{prefix}-{secrets.token_hex(4).upper()}"
        if session.exec(select(Voucher.id).where(Voucher.code == code)).first() is None:
            return code


def issue_gifts(session: Session, *, purchase_id: int, at: datetime | None = None) -> list[Voucher]:
    """Issue the purchase's gift vouchers (rooms first, then KTV). Idempotent per purchase."""
    purchase = session.get(CardPurchase, purchase_id)
    if purchase is None:
        raise errors.NotFound(f"找不到购卡记录：{purchase_id}", f"card purchase not found: {purchase_id}")
    existing = list(session.exec(select(Voucher).where(Voucher.purchase_id == purchase.id).order_by(Voucher.id)))
    if existing:
        return existing
    rooms, ktv = gifts_for_purchase(purchase.total_fen)
    now = _at(at)
    vouchers = []
    for kind, n in ((VoucherKind.room_night, rooms), (VoucherKind.ktv, ktv)):
        for _ in range(n):
            v = Voucher(code=_voucher_code(session, kind), kind=kind, customer_id=purchase.customer_id, purchase_id=purchase.id, issued_at=now)
            session.add(v)
            session.flush()
            vouchers.append(v)
    return vouchers


def redeem_voucher(session: Session, *, code: str, at: datetime | None = None, note: str | None = None) -> Voucher:
    """Use a gift voucher; a second redemption, concurrent or later, is refused."""
    voucher = session.exec(select(Voucher).where(Voucher.code == (code or "").strip().upper())).first()
    if voucher is None:
        raise errors.VoucherNotFound(code)
    redeemed = session.execute(
        update(Voucher).where(col(Voucher.id) == voucher.id, col(Voucher.redeemed_at).is_(None))
        .values(redeemed_at=_at(at), redeemed_note=note).execution_options(synchronize_session="evaluate")
    )
    if redeemed.rowcount != 1:
        session.refresh(voucher)  # the redemption that got there first
        raise errors.VoucherAlreadyRedeemed(voucher.code, voucher.redeemed_at)
    return voucher


def customer_vouchers(session: Session, *, customer_id: int, unredeemed_only: bool = False) -> list[VoucherPublic]:
    stmt = select(Voucher).where(Voucher.customer_id == customer_id).order_by(Voucher.id)
    if unredeemed_only:
        stmt = stmt.where(col(Voucher.redeemed_at).is_(None))
    return [VoucherPublic(code=v.code, kind=v.kind.value, customer_id=v.customer_id, purchase_id=v.purchase_id,
                          issued_at=v.issued_at, redeemed_at=v.redeemed_at) for v in session.exec(stmt)]


# ---------------------------------------------------------------------------------------------
# Month-end jobs


def _refuse_open_month(end: datetime, now: datetime, label: str) -> None:
    if now < end:
        raise errors.InvalidValue(f"{label} 月份尚未结束，不能月结", f"month {label} is not over yet; month-end cannot run")


def run_month_end_rebates(session: Session, *, month: str | date, at: datetime | None = None) -> list[RebateRow]:
    """Pay each government unit the month's (walk-in − agreement) difference into its sub-card.

    Idempotent: one payout per customer and month (unique key); a second run reports
    ``already_paid`` and pays nothing. Consumption recorded after the payout shows as
    ``late_difference_fen`` for finance to settle by adjustment.
    """
    label, start, end = parse_month(month)
    now = _at(at)
    _refuse_open_month(end, now, label)
    stmt = (
        select(UnitConsumption.customer_id, func.sum(UnitConsumption.walk_in_fen), func.sum(UnitConsumption.agreement_fen))
        .where(UnitConsumption.occurred_at >= start, UnitConsumption.occurred_at < end)
        .group_by(UnitConsumption.customer_id)
        .order_by(UnitConsumption.customer_id)
    )
    rows = []
    for customer_id, walk_in, agreement in session.exec(stmt).all():
        customer = session.get(Customer, customer_id)
        diff = walk_in - agreement
        payout = session.exec(select(RebatePayout).where(RebatePayout.customer_id == customer_id, RebatePayout.month == label)).first()
        subs = issue_sub_cards(session, customer_id=customer_id, at=now) if payout is None and diff > 0 else _sub_cards(session, customer_id)
        sub_no = next((c.card_no for c in subs if c.holder == CardHolder.customer), None)
        if payout is not None:
            rows.append(RebateRow(customer_id=customer_id, customer_name=customer.name, month=label, walk_in_total_fen=payout.walk_in_total_fen,
                                  agreement_total_fen=payout.agreement_total_fen, rebate_fen=payout.rebate_fen, sub_card_no=sub_no,
                                  status="already_paid", late_difference_fen=diff - payout.rebate_fen))
            continue
        entry_id = None
        if diff > 0:
            sub_card = next(c for c in subs if c.holder == CardHolder.customer)
            entry = post_entry(session, LedgerEntry(account_id=sub_card.account_id, card_id=sub_card.id, kind=EntryKind.rebate,
                                                    amount_fen=diff, occurred_at=now, note=f"{label} 机关事业单位消费返奖 / month-end rebate"),
                               card_no=sub_card.card_no)
            entry_id = entry.id
        session.add(RebatePayout(customer_id=customer_id, month=label, walk_in_total_fen=walk_in, agreement_total_fen=agreement,
                                 rebate_fen=diff, ledger_entry_id=entry_id, paid_at=now))
        session.flush()
        rows.append(RebateRow(customer_id=customer_id, customer_name=customer.name, month=label, walk_in_total_fen=walk_in,
                              agreement_total_fen=agreement, rebate_fen=diff, sub_card_no=sub_no,
                              status="paid" if diff > 0 else "nothing_due"))
    return rows


def _sub_cards(session: Session, customer_id: int) -> list[Card]:
    return list(session.exec(select(Card).where(Card.customer_id == customer_id, Card.kind == CardKind.sub).order_by(Card.id)))


def commission_for_card(face_value_fen: int) -> int:
    """Commission on one card: 1.5% of a 10,000-yuan card, 2% of a 20,000-yuan card, half-up to the fen."""
    if face_value_fen not in COMMISSION_RATES:
        raise errors.InvalidFaceValue(face_value_fen / 100)
    return percent_of_fen(face_value_fen, COMMISSION_RATES[face_value_fen])


def commission_report(session: Session, *, month: str | date, settle: bool = False, at: datetime | None = None) -> list[CommissionRow]:
    """Each salesperson's cards sold in the month and commission. ``settle`` records the monthly
    settlement (once per salesperson and month; settled numbers are kept on later runs)."""
    label, start, end = parse_month(month)
    now = _at(at)
    if settle:
        _refuse_open_month(end, now, label)
    stmt = (
        select(Card.sold_by_id, Card.face_value_fen)
        .join(CardPurchase, col(CardPurchase.id) == col(Card.purchase_id))
        .where(Card.kind == CardKind.main, CardPurchase.purchased_at >= start, CardPurchase.purchased_at < end)
    )
    per_staff: dict[int, Counter[int]] = {}
    for staff_id, face in session.exec(stmt).all():
        per_staff.setdefault(staff_id, Counter())[face] += 1
    rows = []
    for staff_id, faces in per_staff.items():
        staff = session.get(Staff, staff_id)
        sales = sum(face * n for face, n in faces.items())
        commission = sum(commission_for_card(face) * n for face, n in faces.items())
        settled = session.exec(select(CommissionSettlement).where(CommissionSettlement.staff_id == staff_id, CommissionSettlement.month == label)).first()
        if settle and settled is None:
            settled = CommissionSettlement(staff_id=staff_id, month=label, cards_10k=faces[1_000_000], cards_20k=faces[2_000_000],
                                           sales_fen=sales, commission_fen=commission, settled_at=now)
            session.add(settled)
            session.flush()
        rows.append(CommissionRow(staff_id=staff_id, staff_code=staff.code, staff_name=staff.name, month=label,
                                  cards_10k=faces[1_000_000], cards_20k=faces[2_000_000], sales_fen=sales,
                                  commission_fen=commission, settled=settled is not None))
    return sorted(rows, key=lambda r: r.staff_code)


def birthday_in_year(birth_date: date, year: int) -> date:
    """The birthday celebrated in ``year`` (29 February → 28 February in common years)."""
    if birth_date.month == 2 and birth_date.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return birth_date.replace(year=year)


def birthday_due(session: Session, *, start: date, days: int = 7, vip_only: bool = True) -> list[BirthdayRow]:
    """Birthdays from ``start`` for ``days`` days (inclusive of ``start``), across month and year ends.

    ``vip_only`` (the default) limits the list to VIP card holders, whom the card plan promises an
    80-yuan bouquet; ``sent`` says whether it was recorded as sent.
    """
    if days < 1:
        raise errors.InvalidValue("天数至少为 1", "days must be at least 1")
    end = start + timedelta(days=days - 1)
    stmt = select(Customer).where(col(Customer.birth_date).is_not(None))
    if vip_only:
        stmt = stmt.where(col(Customer.id).in_(select(Card.customer_id).where(Card.kind == CardKind.main, Card.status == CardStatus.active)))
    rows = []
    for customer in session.exec(stmt):
        for year in sorted({start.year, end.year}):
            day = birthday_in_year(customer.birth_date, year)
            if start <= day <= end:
                sent = session.exec(select(BirthdayFlowers.id).where(BirthdayFlowers.customer_id == customer.id, BirthdayFlowers.year == year)).first()
                phones = customer_phones(session, customer_id=customer.id)
                rows.append(BirthdayRow(customer_id=customer.id, customer_code=customer.code, name=customer.person_name,
                                        company=customer.unit_name, phone=phones[0] if phones else None, birth_date=customer.birth_date,
                                        birthday=day, flowers_value_fen=BIRTHDAY_FLOWERS_FEN, sent=sent is not None))
    return sorted(rows, key=lambda r: (r.birthday, r.name))


def record_flowers_sent(session: Session, *, customer_id: int, year: int, staff_ref: int | str | None = None, at: datetime | None = None) -> BirthdayFlowers:
    """Record the birthday bouquet as sent (idempotent per customer and year)."""
    customer = get_customer(session, ref=customer_id)
    existing = session.exec(select(BirthdayFlowers).where(BirthdayFlowers.customer_id == customer.id, BirthdayFlowers.year == year)).first()
    if existing is not None:
        return existing
    staff_id = get_staff(session, ref=staff_ref).id if staff_ref is not None else None
    row = BirthdayFlowers(customer_id=customer.id, year=year, value_fen=BIRTHDAY_FLOWERS_FEN, sent_at=_at(at), staff_id=staff_id)
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Relationship upkeep and feedback


def log_contact(
    session: Session, *, customer_id: int, channel: ContactChannel | str, staff_ref: int | str | None = None,
    notes: str | None = None, at: datetime | None = None,
) -> ContactLog:
    """Record a phone call, SMS or visit to a customer (拜访记录)."""
    try:
        channel = ContactChannel(channel)
    except ValueError:
        raise errors.InvalidValue(f"拜访方式无效：{channel}", f"contact channel must be phone, sms or visit: {channel}") from None
    customer = get_customer(session, ref=customer_id)
    staff_id = get_staff(session, ref=staff_ref).id if staff_ref is not None else None
    row = ContactLog(customer_id=customer.id, channel=channel, contacted_at=_at(at), staff_id=staff_id, notes=notes)
    session.add(row)
    session.flush()
    return row


def file_feedback(
    session: Session,
    *,
    kind: FeedbackKind | str,
    content: str,
    source: FeedbackSource | str,
    category: FeedbackCategory | str = FeedbackCategory.other,
    customer_id: int | None = None,
    phone: str | None = None,
    source_call_id: str | None = None,
    staff_ref: int | str | None = None,
    at: datetime | None = None,
) -> Feedback:
    """File a customer opinion or complaint.

    The customer is given by id, or found by ``phone`` (an unknown caller's number is kept on the
    record). Filing the same content from the same QA call again returns the existing record.
    """
    try:
        kind, source, category = FeedbackKind(kind), FeedbackSource(source), FeedbackCategory(category)
    except ValueError as exc:
        raise errors.InvalidValue(f"意见字段无效：{exc}", f"invalid feedback field: {exc}") from None
    if not content or not content.strip():
        raise errors.InvalidValue("意见内容不能为空", "feedback content must not be empty")
    number = try_normalize_phone(phone)
    if customer_id is not None:
        customer_id = get_customer(session, ref=customer_id).id
    elif number:
        owner = _phone_owner(session, number)
        customer_id = owner.id if owner else None
    if source_call_id:
        same = session.exec(select(Feedback).where(Feedback.source_call_id == source_call_id, Feedback.kind == kind,
                                                   Feedback.content == content.strip())).first()
        if same is not None:
            return same
    staff_id = get_staff(session, ref=staff_ref).id if staff_ref is not None else None
    row = Feedback(kind=kind, category=category, source=source, received_at=_at(at), content=content.strip(),
                   source_call_id=source_call_id, customer_id=customer_id, contact_phone=number if customer_id is None else None,
                   recorded_by_id=staff_id)
    session.add(row)
    session.flush()
    return row


def reply_feedback(
    session: Session, *, feedback_id: int, reply: str, staff_ref: int | str | None = None, at: datetime | None = None, close: bool = False
) -> Feedback:
    """Record the reply to a feedback (written complaints must get one)."""
    if not reply or not reply.strip():
        raise errors.InvalidValue("回复内容不能为空", "reply must not be empty")
    row = session.get(Feedback, feedback_id)
    if row is None:
        raise errors.FeedbackNotFound(feedback_id)
    staff_id = get_staff(session, ref=staff_ref).id if staff_ref is not None else None
    row.sqlmodel_update({"reply": reply.strip(), "replied_at": _at(at), "replied_by_id": staff_id,
                         "status": FeedbackStatus.closed if close else FeedbackStatus.replied})
    session.add(row)
    session.flush()
    return row


def feedback_for_call(session: Session, *, call_id: str) -> list[Feedback]:
    """Feedback filed from a QA-reviewed call."""
    return list(session.exec(select(Feedback).where(Feedback.source_call_id == call_id).order_by(Feedback.id)))


def weekly_feedback_sheet(session: Session, *, week_start: date) -> WeeklyFeedbackSheet:
    """一周客户意见反馈表: all feedback received in the 7 days from ``week_start``, oldest first."""
    start = _local_midnight(week_start)
    end = start + timedelta(days=7)
    stmt = (
        select(Feedback, Customer.name)
        .join(Customer, col(Customer.id) == col(Feedback.customer_id), isouter=True)
        .where(Feedback.received_at >= start, Feedback.received_at < end)
        .order_by(Feedback.received_at, Feedback.id)
    )
    rows = [
        FeedbackSheetRow(id=f.id, received_at=f.received_at.astimezone(HOTEL_TZ), customer_name=name, kind=f.kind, category=f.category, source=f.source,
                         content=f.content, source_call_id=f.source_call_id, status=f.status, reply=f.reply)
        for f, name in session.exec(stmt)
    ]
    return WeeklyFeedbackSheet(
        week_start=week_start, week_end=week_start + timedelta(days=6), rows=rows, total=len(rows),
        complaints=sum(r.kind == FeedbackKind.complaint for r in rows),
        written_complaints_unreplied=sum(r.kind == FeedbackKind.complaint and r.source == FeedbackSource.written
                                         and r.status == FeedbackStatus.open for r in rows),
    )


def monthly_feedback_analysis(session: Session, *, month: str | date) -> MonthlyFeedbackAnalysis:
    """宾客意见反馈表及分析: the month's feedback counted by kind, category, status and source."""
    label, start, end = parse_month(month)
    items = list(session.exec(select(Feedback).where(Feedback.received_at >= start, Feedback.received_at < end)))
    counts = []
    for dimension in ("kind", "category", "status", "source"):
        tally = Counter(getattr(f, dimension).value for f in items)
        counts += [FeedbackCount(dimension=dimension, key=k, count=n) for k, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))]
    answered = sum(f.status != FeedbackStatus.open for f in items)
    complaint_cats = Counter(f.category.value for f in items if f.kind == FeedbackKind.complaint)
    return MonthlyFeedbackAnalysis(
        month=label, total=len(items), counts=counts, reply_rate=answered / len(items) if items else None,
        top_categories=[k for k, _ in sorted(complaint_cats.items(), key=lambda kv: (-kv[1], kv[0]))[:3]],
    )


# ---------------------------------------------------------------------------------------------
# The dashboard panel beside a call


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
