"""VIP cards: drawing, selling, sub-cards, spending, unit consumption, adjustments and ledgers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from crm import errors
from crm.ledger import account_balance, post_entry
from crm.models import (
    CATEGORY_LABELS_ZH,
    UNIT_KINDS,
    Card,
    CardAccount,
    CardDraw,
    CardHolder,
    CardKind,
    CardPurchase,
    CardStatus,
    ConsumptionSource,
    Customer,
    CustomerKind,
    CustomerPhone,
    EntryKind,
    Gender,
    LedgerEntry,
    LedgerRow,
    SpendCategory,
    Staff,
    StaffRole,
    UnitConsumption,
)
from crm.phone import normalize_phone
from crm.schemas import (
    BuyerRegistration,
    CardSummary,
    PurchaseSummary,
    SpendResult,
)
from crm.services.clock import HOTEL_TZ, _at
from crm.services.customers import _phone_owner, customer_phones, get_customer
from crm.services.gifts import issue_gifts
from crm.services.staff import get_staff

FACE_VALUES_FEN = (1_000_000, 2_000_000)  # 壹万元、贰万元
SELLING_ROLES = (StaffRole.sales, StaffRole.manager)

_CASH_WORDS = {"cash", "cash_out", "cashout", "withdraw", "withdrawal", "refund", "现金", "提现", "兑现", "取现", "退款"}
_CATEGORY_WORDS = {"餐饮": SpendCategory.dining, "客房": SpendCategory.rooms, "住房": SpendCategory.rooms, "ktv": SpendCategory.ktv}


def _check_amount(amount_fen: object) -> int:
    # bool is an int subclass and floats are inexact: both are refused.
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise errors.InvalidAmount(amount_fen)
    return amount_fen


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
