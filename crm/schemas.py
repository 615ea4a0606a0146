"""Typed results of CRM services: panel, reports, import summaries (not tables)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from crm.models import (
    CardHolder,
    CardKind,
    CardStatus,
    ContactLogPublic,
    CustomerKind,
    CustomerPublic,
    FeedbackCategory,
    FeedbackKind,
    FeedbackPublic,
    FeedbackSource,
    FeedbackStatus,
    LedgerRow,
    NoteKind,
    SpendCategory,
    StaffPublic,
)


class BuyerRegistration(SQLModel):
    """What finance registers for a VIP card buyer; fields given here update the customer record."""

    company: str | None = None
    address: str | None = None
    name: str | None = Field(default=None, description="the buyer (contact person for a unit)")
    gender: str | None = None
    contact: str | None = Field(default=None, description="phone; added to the customer's numbers")
    birth_date: date | None = None


class CardSummary(SQLModel):
    card_no: str
    kind: CardKind
    holder: CardHolder
    status: CardStatus
    face_value_fen: int
    balance_fen: int
    shares_balance_with: list[str] = Field(default_factory=list, description="the other sub-card of the pair")


class PurchaseSummary(SQLModel):
    purchase_id: int
    customer_id: int
    card_nos: list[str]
    total_fen: int
    cumulative_fen: int
    purchased_at: datetime
    vouchers: list[str] = Field(default_factory=list)
    sub_card_nos: list[str] = Field(default_factory=list)


class VoucherPublic(SQLModel):
    code: str
    kind: str
    customer_id: int
    purchase_id: int
    issued_at: datetime
    redeemed_at: datetime | None


class NotePublic(SQLModel):
    id: int
    noted_at: datetime
    kind: NoteKind
    text: str
    staff_name: str | None = None


class CustomerPanel(SQLModel):
    """Everything the dashboard shows beside a call from this customer's number."""

    phone: str = Field(description="the normalised number that matched")
    customer: CustomerPublic
    kind: CustomerKind
    kind_label: str
    company: str | None
    person_name: str
    cards: list[CardSummary]
    total_balance_fen: int
    recent_ledger: list[LedgerRow]
    open_feedback: list[FeedbackPublic]
    recent_contacts: list[ContactLogPublic]
    service_agent: StaffPublic | None
    recent_notes: list[NotePublic]
    unredeemed_vouchers: list[VoucherPublic]


class RebateRow(SQLModel):
    customer_id: int
    customer_name: str
    month: str
    walk_in_total_fen: int
    agreement_total_fen: int
    rebate_fen: int
    sub_card_no: str | None
    status: str = Field(description="paid | already_paid | nothing_due")
    late_difference_fen: int = Field(default=0, description="consumption recorded after the payout, not yet paid")


class CommissionRow(SQLModel):
    staff_id: int
    staff_code: str
    staff_name: str
    month: str
    cards_10k: int
    cards_20k: int
    sales_fen: int
    commission_fen: int
    settled: bool


class BirthdayRow(SQLModel):
    customer_id: int
    customer_code: str
    name: str
    company: str | None
    phone: str | None
    birth_date: date
    birthday: date = Field(description="the date the bouquet is due")
    flowers_value_fen: int
    sent: bool


class FeedbackSheetRow(SQLModel):
    """One line of the weekly feedback sheet (一周客户意见反馈表)."""

    id: int
    received_at: datetime
    customer_name: str | None
    kind: FeedbackKind
    category: FeedbackCategory
    source: FeedbackSource
    content: str
    source_call_id: str | None
    status: FeedbackStatus
    reply: str | None


class WeeklyFeedbackSheet(SQLModel):
    week_start: date
    week_end: date
    rows: list[FeedbackSheetRow]
    total: int
    complaints: int
    written_complaints_unreplied: int


class FeedbackCount(SQLModel):
    dimension: str = Field(description="kind | category | status | source")
    key: str
    count: int


class MonthlyFeedbackAnalysis(SQLModel):
    """宾客意见反馈表及分析: counts by kind, category, status and source."""

    month: str
    total: int
    counts: list[FeedbackCount]
    reply_rate: float | None = Field(description="replied or closed ÷ total; None with no feedback")
    top_categories: list[str]


class ImportRowResult(SQLModel):
    row: int
    customer_code: str
    action: str = Field(description="created | updated | unchanged")


class ImportResult(SQLModel):
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRowResult]


class SpendResult(SQLModel):
    entry_id: int
    card_no: str
    amount_fen: int
    category: SpendCategory
    balance_fen: int
