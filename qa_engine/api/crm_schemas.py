"""Response models of the CRM routes.

Written on the QA side rather than imported from ``crm.schemas``: the crm package is optional in a
build (its routes answer 503 without it), so the API must import without it. The panel models mirror
``crm.schemas.CustomerPanel`` field for field (``tests/api/test_crm_schemas.py`` fails on drift); enum
fields are the enums' values, datetimes as the CRM gives them (hotel-local, Asia/Shanghai, where it converts).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

CustomerKind = Literal["business_agreement", "travel_agency", "ota_partner", "member", "frequent_guest", "government", "other"]
SpendCategory = Literal["dining", "rooms", "ktv"]


class CustomerHit(BaseModel):
    id: int
    code: str = Field(description="客户编号")
    kind: CustomerKind
    kind_label: str = Field("", description="the kind in Chinese, e.g. 商务协议客户")
    name: str = Field(description="the person, or the unit for unit kinds")
    company: str | None = None
    contact_person: str | None = Field(None, description="联系人 (unit kinds)")
    phones: list[str] = Field(default_factory=list, description="primary first; masked (139****1234) without pii.read")


class CustomerPublic(BaseModel):
    """The customer record (客户档案) as the panel shows it, in crm's field order (the JSON is unchanged)."""

    kind: CustomerKind
    name: str = Field(description="the person, or the unit for unit kinds")
    company: str | None = Field(None, description="单位名称")
    address: str | None = Field(None, description="单位地址")
    contact_person: str | None = Field(None, description="联系人 (unit kinds)")
    gender: Literal["male", "female", "unknown"] = "unknown"
    birth_date: date | None = None
    member_card_no: str | None = Field(None, description="会员卡号")
    preferences: str | None = Field(None, description="客户喜好 / preferences")
    stay_count: int = Field(0, description="入住次数 / stays")
    notes: str | None = None
    id: int
    code: str = Field(description="客户编号")
    kind_label: str = Field("", description="the kind in Chinese, e.g. 商务协议客户")
    phones: list[str] = Field(default_factory=list, description="primary first")
    service_agent_id: int | None = None


class CardSummary(BaseModel):
    card_no: str
    kind: Literal["main", "sub"] = Field(description="主卡 main (face value) / 副卡 sub (rebates, no face value)")
    holder: Literal["customer", "finance"] = Field(description="a sub-card pair: one with the guest, one kept by finance")
    status: Literal["drawn", "active", "void"]
    face_value_fen: int
    balance_fen: int
    shares_balance_with: list[str] = Field(default_factory=list, description="the other sub-card of the pair")


class LedgerRow(BaseModel):
    id: int
    card_no: str | None
    kind: Literal["purchase", "spend", "rebate", "adjustment"]
    amount_fen: int = Field(description="signed: + money in, - money out")
    category: SpendCategory | None = Field(description="餐饮 dining / 客房 rooms / KTV, for spends")
    occurred_at: datetime
    note: str | None
    balance_after_fen: int = Field(description="the account's balance once this entry was posted")


class FeedbackPublic(BaseModel):
    kind: Literal["complaint", "suggestion", "praise", "inquiry"] = Field(description="投诉 / 建议 / 表扬 / 咨询")
    category: Literal["rooms", "dining", "ktv", "front_desk", "call_center", "billing", "other"] = "other"
    source: Literal["in_house", "outside", "call", "written", "online"] = Field(description="written complaints need a reply")
    received_at: datetime
    content: str
    source_call_id: str | None = Field(None, description="QA call the complaint was found in")
    id: int
    customer_id: int | None
    contact_phone: str | None = Field(description="caller's number when not a customer")
    status: Literal["open", "replied", "closed"]
    reply: str | None
    replied_at: datetime | None


class ContactLogPublic(BaseModel):
    channel: Literal["phone", "sms", "visit"]
    contacted_at: datetime
    notes: str | None = None
    id: int
    customer_id: int
    staff_name: str | None = None


class StaffPublic(BaseModel):
    code: str = Field(description="work number, e.g. S01")
    name: str
    role: Literal["sales", "service_agent", "finance", "manager"]
    phone: str | None = None
    active: bool = True
    id: int


class NotePublic(BaseModel):
    id: int
    noted_at: datetime
    kind: Literal["need", "note", "preference"] = Field(description="会员需求 need / note / 客户喜好 preference")
    text: str
    staff_name: str | None = None


class VoucherPublic(BaseModel):
    code: str
    kind: Literal["room_night", "ktv"] = Field(description="标准客房一间 room night / KTV 代金券")
    customer_id: int
    purchase_id: int
    issued_at: datetime
    redeemed_at: datetime | None


class CustomerPanel(BaseModel):
    """Everything the dashboard shows beside a call from this customer's number (来电客户面板)."""

    phone: str = Field(description="the normalised number that matched")
    customer: CustomerPublic
    kind: CustomerKind
    kind_label: str = Field(description="the kind in Chinese, e.g. 商务协议客户")
    company: str | None = Field(description="the unit: the customer for unit kinds, its company otherwise")
    person_name: str = Field(description="the person to address: the contact person for units")
    cards: list[CardSummary] = Field(description="VIP cards, main first")
    total_balance_fen: int = Field(description="余额合计: each account once (a sub-card pair shares one)")
    recent_ledger: list[LedgerRow] = Field(description="newest first")
    open_feedback: list[FeedbackPublic]
    recent_contacts: list[ContactLogPublic]
    service_agent: StaffPublic | None = Field(description="VIP 售后客服")
    recent_notes: list[NotePublic]
    unredeemed_vouchers: list[VoucherPublic]


class RebateRow(BaseModel):
    customer_id: int
    customer_name: str
    month: str = Field(description="YYYY-MM")
    walk_in_total_fen: int = Field(description="the month's consumption at walk-in prices")
    agreement_total_fen: int = Field(description="the same at agreement prices")
    rebate_fen: int = Field(description="the difference, paid into the unit's sub-card")
    sub_card_no: str | None = None
    status: Literal["paid", "already_paid", "nothing_due"]
    late_difference_fen: int = Field(0, description="consumption recorded after the payout, not yet paid")
