"""Relationship upkeep and feedback: contacts, complaints and praise, weekly and monthly sheets."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from crm import errors
from crm.models import (
    ContactChannel,
    ContactLog,
    Customer,
    Feedback,
    FeedbackCategory,
    FeedbackKind,
    FeedbackSource,
    FeedbackStatus,
)
from crm.phone import try_normalize_phone
from crm.schemas import (
    FeedbackCount,
    FeedbackSheetRow,
    MonthlyFeedbackAnalysis,
    WeeklyFeedbackSheet,
)
from crm.services.clock import HOTEL_TZ, _at, _local_midnight, parse_month
from crm.services.customers import _phone_owner, get_customer
from crm.services.staff import get_staff


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
