"""Phone numbers: one normal form so a call's caller number finds its customer."""

from __future__ import annotations

import re
import unicodedata

from crm.errors import InvalidPhone

_SEPARATORS = re.compile(r"[\s\-()（）.·/—–_]")


def normalize_phone(raw: str) -> str:
    """Digits only, without the China country code: ``+86 139-0000-1234`` → ``13900001234``.

    Landlines keep (or regain) their trunk ``0``: ``+86 (851) 8581-2345`` → ``085185812345``.
    Service numbers such as ``12580`` or ``95010`` stay as they are. Raises :class:`InvalidPhone`.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()  # full-width ＋８６ → +86
    digits = _SEPARATORS.sub("", text)
    had_country_code = False
    if digits.startswith("+86"):
        digits, had_country_code = digits[3:], True
    elif digits.startswith("0086"):
        digits, had_country_code = digits[4:], True
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits, had_country_code = digits[2:], True  # 86 13900001234 written without the plus
    if not digits.isdigit() or not 5 <= len(digits) <= 15:
        raise InvalidPhone(raw)
    if had_country_code and not digits.startswith(("1", "0")):
        digits = "0" + digits  # international form drops the trunk 0 of an area code
    return digits


def try_normalize_phone(raw: str | None) -> str | None:
    """:func:`normalize_phone`, or None for a missing or unusable number."""
    if not raw:
        return None
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        return None
