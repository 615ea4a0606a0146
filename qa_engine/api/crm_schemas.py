"""Response models of the CRM routes.

Written on the QA side rather than imported from ``crm.schemas``: the crm package is optional in a
build (its routes answer 503 without it), so the API must import without it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CustomerHit(BaseModel):
    id: int
    code: str = Field(description="客户编号")
    kind: str = Field(description="government, business_agreement, …")
    kind_label: str = Field("", description="the kind in Chinese, e.g. 商务协议客户")
    name: str = Field(description="the person, or the unit for unit kinds")
    company: str | None = None
    contact_person: str | None = Field(None, description="联系人 (unit kinds)")
    phones: list[str] = Field(default_factory=list, description="primary first; masked (139****1234) without pii.read")


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
