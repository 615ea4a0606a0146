"""Hotel-local time: months, weeks and birthdays are counted in Asia/Shanghai; a naive ``at=`` is local."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from crm import errors

HOTEL_TZ = ZoneInfo("Asia/Shanghai")


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
