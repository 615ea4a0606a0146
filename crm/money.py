"""Money is integer fen (分); yuan only at the edges (CLI, CSV, display)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crm.errors import InvalidAmount

FEN_PER_YUAN = 100


def yuan_to_fen(value: str | int | Decimal) -> int:
    """``"123.45"`` → 12345. Refuses floats (inexact) and more than two decimals."""
    if isinstance(value, float):
        raise InvalidAmount(value, "金额不能用浮点数", "amounts must not be floats")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidAmount(value, "金额格式无效", "not a valid amount") from None
    if not amount.is_finite():
        raise InvalidAmount(value, "金额格式无效", "not a valid amount")
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidAmount(value, "金额最多两位小数", "at most two decimals")
    return int(fen)


def fen_to_yuan(fen: int) -> str:
    """12345 → ``"123.45"`` (exact, for display)."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // FEN_PER_YUAN}.{abs(fen) % FEN_PER_YUAN:02d}"


def percent_of_fen(amount_fen: int, rate: Decimal) -> int:
    """``amount_fen × rate`` rounded half-up to a whole fen (commission, rebates)."""
    return int((Decimal(amount_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
