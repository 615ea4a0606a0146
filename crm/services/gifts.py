"""Gifts for a purchase: room and KTV vouchers, and their redemption."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from crm import errors
from crm.models import (
    CardPurchase,
    Voucher,
    VoucherKind,
)
from crm.schemas import (
    VoucherPublic,
)
from crm.services.clock import _at

# One-time purchase (yuan) → (standard rooms for one night, KTV vouchers). Above 50,000 the top row applies.
GIFT_TIERS: dict[int, tuple[int, int]] = {
    10_000: (2, 1),
    20_000: (3, 2),
    30_000: (4, 3),
    40_000: (5, 4),
    50_000: (6, 4),
}


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
