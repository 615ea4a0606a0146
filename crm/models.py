"""CRM tables (prefixed ``crm_``) on the shared ``SQLModel.metadata``.

Families follow the full-stack-fastapi-template: ``XBase`` (shared fields), ``XCreate`` (input),
``X(table=True)``, ``XPublic`` (output). Money is integer fen. Datetimes are timezone-aware (SQLModel
stores UTC); the services count months, weeks and birthdays in hotel-local time (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# ---------------------------------------------------------------------------------------------
# Enumerations. Member names equal their values: SQLAlchemy stores the names.


class CustomerKind(str, Enum):
    business_agreement = "business_agreement"  # 商务协议客户
    travel_agency = "travel_agency"  # 旅行社
    ota_partner = "ota_partner"  # 网络订房协议单位（携程、艺龙…）
    member = "member"  # 会员
    frequent_guest = "frequent_guest"  # 常客
    government = "government"  # 机关、行政、事业单位
    other = "other"  # 竞争对手、周边 2 公里内单位等


KIND_LABELS_ZH: dict[CustomerKind, str] = {
    CustomerKind.business_agreement: "商务协议客户",
    CustomerKind.travel_agency: "旅行社",
    CustomerKind.ota_partner: "网络订房协议单位",
    CustomerKind.member: "会员",
    CustomerKind.frequent_guest: "常客",
    CustomerKind.government: "机关事业单位",
    CustomerKind.other: "其他",
}

# Kinds whose ``name`` is an organisation; the person is ``contact_person``.
UNIT_KINDS = frozenset(
    {CustomerKind.business_agreement, CustomerKind.travel_agency, CustomerKind.ota_partner, CustomerKind.government}
)


class Gender(str, Enum):
    male = "male"
    female = "female"
    unknown = "unknown"


class StaffRole(str, Enum):
    sales = "sales"  # 销售人员：领卡、售卡、拜访
    service_agent = "service_agent"  # VIP 售后客服
    finance = "finance"  # 财务：发卡、登记
    manager = "manager"


class CardKind(str, Enum):
    main = "main"  # 主卡（面值壹万/贰万）
    sub = "sub"  # 副卡（返奖，无面值）


class CardHolder(str, Enum):
    customer = "customer"
    finance = "finance"  # 一位客人副卡二张：客人一张，酒店财务一张


class CardStatus(str, Enum):
    drawn = "drawn"  # 销售人员已从财务部领出，未售
    active = "active"  # 已售出 / 已发放
    void = "void"


class EntryKind(str, Enum):
    purchase = "purchase"
    spend = "spend"
    rebate = "rebate"
    adjustment = "adjustment"


class SpendCategory(str, Enum):
    dining = "dining"  # 餐饮
    rooms = "rooms"  # 客房
    ktv = "ktv"  # KTV


CATEGORY_LABELS_ZH = {SpendCategory.dining: "餐饮", SpendCategory.rooms: "客房", SpendCategory.ktv: "KTV"}


class VoucherKind(str, Enum):
    room_night = "room_night"  # 标准客房一间（限住 1 天）
    ktv = "ktv"  # KTV 代金券


class ConsumptionSource(str, Enum):
    finance = "finance"  # 餐饮、客房：财务每日明细（以挂帐为主）
    ktv = "ktv"  # KTV 每日记录，月底汇总上报财务


class ContactChannel(str, Enum):
    phone = "phone"
    sms = "sms"
    visit = "visit"


class FeedbackKind(str, Enum):
    complaint = "complaint"
    suggestion = "suggestion"
    praise = "praise"
    inquiry = "inquiry"


class FeedbackCategory(str, Enum):
    rooms = "rooms"
    dining = "dining"
    ktv = "ktv"
    front_desk = "front_desk"
    call_center = "call_center"
    billing = "billing"
    other = "other"


class FeedbackSource(str, Enum):
    in_house = "in_house"  # 店内客人
    outside = "outside"  # 店外（拜访、回访）
    call = "call"  # 呼叫中心通话（QA 发现）
    written = "written"  # 书面投诉（须回复）
    online = "online"


class FeedbackStatus(str, Enum):
    open = "open"
    replied = "replied"
    closed = "closed"


class NoteKind(str, Enum):
    need = "need"  # 会员需求
    note = "note"
    preference = "preference"


# ---------------------------------------------------------------------------------------------
# Staff


class StaffBase(SQLModel):
    code: str = Field(max_length=32, description="work number, e.g. S01")
    name: str = Field(max_length=64)
    role: StaffRole
    phone: str | None = Field(default=None, max_length=32)
    active: bool = True


class StaffCreate(StaffBase):
    pass


class Staff(StaffBase, table=True):
    __tablename__ = "crm_staff"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)


class StaffPublic(StaffBase):
    id: int


# ---------------------------------------------------------------------------------------------
# Customers and their phones


class CustomerBase(SQLModel):
    kind: CustomerKind
    name: str = Field(max_length=128, index=True, description="person, or the unit for unit kinds")
    company: str | None = Field(default=None, max_length=128, index=True, description="单位名称")
    address: str | None = Field(default=None, max_length=256, description="单位地址")
    contact_person: str | None = Field(default=None, max_length=64, description="联系人 (unit kinds)")
    gender: Gender = Gender.unknown
    birth_date: date | None = None
    member_card_no: str | None = Field(default=None, max_length=32, description="会员卡号")
    preferences: str | None = Field(default=None, max_length=512, description="客户喜好")
    stay_count: int = Field(default=0, ge=0, description="入住次数")
    notes: str | None = Field(default=None, max_length=2000)


class CustomerCreate(CustomerBase):
    code: str | None = Field(default=None, max_length=32, description="客户编号; generated when absent")
    phones: list[str] = Field(default_factory=list)
    service_agent_id: int | None = None


class CustomerUpdate(SQLModel):
    kind: CustomerKind | None = None
    name: str | None = None
    company: str | None = None
    address: str | None = None
    contact_person: str | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    member_card_no: str | None = None
    preferences: str | None = None
    stay_count: int | None = Field(default=None, ge=0)
    notes: str | None = None
    service_agent_id: int | None = None


class Customer(CustomerBase, table=True):
    __tablename__ = "crm_customer"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    member_card_no: str | None = Field(default=None, max_length=32, unique=True, index=True)
    service_agent_id: int | None = Field(default=None, foreign_key="crm_staff.id")
    created_at: datetime
    updated_at: datetime

    @property
    def person_name(self) -> str:
        """The person to address: the contact person for units, the customer otherwise."""
        if self.kind in UNIT_KINDS and self.contact_person:
            return self.contact_person
        return self.name

    @property
    def unit_name(self) -> str | None:
        return self.name if self.kind in UNIT_KINDS else self.company


class CustomerPublic(CustomerBase):
    id: int
    code: str
    kind_label: str = ""
    phones: list[str] = Field(default_factory=list)
    service_agent_id: int | None = None


class CustomerPhone(SQLModel, table=True):
    """One of a customer's numbers; ``number`` is normalised and belongs to one customer only."""

    __tablename__ = "crm_customer_phone"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True, ondelete="CASCADE")
    number: str = Field(max_length=20, unique=True, index=True)
    raw: str = Field(max_length=64, description="as written in the source")
    label: str | None = Field(default=None, max_length=32)
    is_primary: bool = False


# ---------------------------------------------------------------------------------------------
# VIP cards: draws from finance, physical cards, accounts, purchases, ledger


class CardDraw(SQLModel, table=True):
    """A salesperson drew cards from finance (财务部做好登记); the drawer guarantees their full value."""

    __tablename__ = "crm_card_draw"
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="crm_staff.id", index=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="crm_staff.id")
    face_value_fen: int
    count: int = Field(ge=1)
    drawn_at: datetime
    note: str | None = None


class CardAccount(SQLModel, table=True):
    """A balance. Each main card has its own; a customer's two sub-cards share one.

    ``balance_fen`` moves only through ``crm.ledger.post_entry``, in the same conditional UPDATE that
    checks it, so it always equals the sum of the account's ledger entries and never goes below zero.
    """

    __tablename__ = "crm_card_account"
    __table_args__ = (
        CheckConstraint("balance_fen >= 0", name="ck_crm_card_account_balance"),
        Index(
            "uq_crm_card_account_one_sub_per_customer",
            "customer_id",
            unique=True,
            sqlite_where=text("kind = 'sub'"),
            postgresql_where=text("kind = 'sub'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    kind: CardKind
    opened_at: datetime
    balance_fen: int = Field(default=0, description="the sum of the account's ledger entries")


class CardPurchase(SQLModel, table=True):
    """One sale (一次性购买, one or several cards) with the buyer registration finance keeps."""

    __tablename__ = "crm_card_purchase"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    sold_by_id: int = Field(foreign_key="crm_staff.id", index=True)
    purchased_at: datetime = Field(index=True)
    card_count: int = Field(ge=1)
    total_fen: int = Field(gt=0, description="purchase amount, invoiced at face value")
    cumulative_fen: int = Field(description="累计金额 including this purchase")
    reg_company: str
    reg_address: str
    reg_name: str
    reg_gender: Gender
    reg_contact: str
    reg_birth_date: date
    note: str | None = None


class Card(SQLModel, table=True):
    """A physical card. Main cards exist from the draw on; ``account_id`` is set when sold."""

    __tablename__ = "crm_card"
    id: int | None = Field(default=None, primary_key=True)
    card_no: str = Field(max_length=32, unique=True, index=True)
    kind: CardKind
    holder: CardHolder = CardHolder.customer
    face_value_fen: int = 0
    status: CardStatus
    draw_id: int | None = Field(default=None, foreign_key="crm_card_draw.id")
    drawn_by_id: int | None = Field(default=None, foreign_key="crm_staff.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="crm_card_account.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="crm_customer.id", index=True)
    purchase_id: int | None = Field(default=None, foreign_key="crm_card_purchase.id")
    sold_by_id: int | None = Field(default=None, foreign_key="crm_staff.id")
    issued_at: datetime | None = None


class LedgerEntry(SQLModel, table=True):
    """Every money movement, in posting order; ``balance_after_fen`` is the account's balance once it was posted."""

    __tablename__ = "crm_ledger_entry"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'spend' AND amount_fen < 0 AND category IN ('dining', 'rooms', 'ktv'))"
            " OR (kind IN ('purchase', 'rebate') AND amount_fen > 0)"
            " OR (kind = 'adjustment' AND amount_fen <> 0)",
            name="ck_crm_ledger_entry_sign",
        ),
        CheckConstraint("balance_after_fen >= 0", name="ck_crm_ledger_entry_balance_after"),
        # A card is sold once: two concurrent sales of it cannot both post its purchase.
        Index(
            "uq_crm_ledger_entry_one_purchase_per_card",
            "card_id",
            unique=True,
            sqlite_where=text("kind = 'purchase'"),
            postgresql_where=text("kind = 'purchase'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="crm_card_account.id", index=True)
    card_id: int | None = Field(default=None, foreign_key="crm_card.id", description="the physical card used")
    kind: EntryKind
    amount_fen: int = Field(description="signed: + money in, - money out")
    category: SpendCategory | None = None
    occurred_at: datetime = Field(index=True)
    staff_id: int | None = Field(default=None, foreign_key="crm_staff.id")
    purchase_id: int | None = Field(default=None, foreign_key="crm_card_purchase.id")
    note: str | None = None
    balance_after_fen: int = 0


class LedgerRow(SQLModel):
    id: int
    card_no: str | None
    kind: EntryKind
    amount_fen: int
    category: SpendCategory | None
    occurred_at: datetime
    note: str | None
    balance_after_fen: int


class UnitConsumption(SQLModel, table=True):
    """A government/institution unit's spend at walk-in price, with the agreement price beside it.

    Recorded daily by finance (dining, rooms — mostly on account, 挂帐) or by KTV; the month's
    differences are the month-end rebate into the sub-card.
    """

    __tablename__ = "crm_unit_consumption"
    __table_args__ = (
        CheckConstraint("agreement_fen >= 0 AND walk_in_fen > 0 AND agreement_fen <= walk_in_fen", name="ck_crm_unit_prices"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    category: SpendCategory
    occurred_at: datetime = Field(index=True)
    walk_in_fen: int = Field(description="散客价 (what the unit paid)")
    agreement_fen: int = Field(description="协议价")
    source: ConsumptionSource
    ledger_entry_id: int | None = Field(default=None, foreign_key="crm_ledger_entry.id")
    note: str | None = None


class RebatePayout(SQLModel, table=True):
    """The month-end rebate of one customer for one month; the unique key makes the job idempotent."""

    __tablename__ = "crm_rebate_payout"
    __table_args__ = (UniqueConstraint("customer_id", "month", name="uq_crm_rebate_customer_month"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    month: str = Field(max_length=7, description="YYYY-MM")
    walk_in_total_fen: int
    agreement_total_fen: int
    rebate_fen: int
    ledger_entry_id: int | None = Field(default=None, foreign_key="crm_ledger_entry.id")
    paid_at: datetime


class CommissionSettlement(SQLModel, table=True):
    """Monthly settlement of one salesperson's card-sale commission (月终结算)."""

    __tablename__ = "crm_commission_settlement"
    __table_args__ = (UniqueConstraint("staff_id", "month", name="uq_crm_commission_staff_month"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="crm_staff.id", index=True)
    month: str = Field(max_length=7)
    cards_10k: int
    cards_20k: int
    sales_fen: int
    commission_fen: int
    settled_at: datetime


class Voucher(SQLModel, table=True):
    """A gift from a one-time purchase: one standard room night or one KTV voucher, redeemable once."""

    __tablename__ = "crm_voucher"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    kind: VoucherKind
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    purchase_id: int = Field(foreign_key="crm_card_purchase.id", index=True)
    issued_at: datetime
    redeemed_at: datetime | None = None
    redeemed_note: str | None = None


class BirthdayFlowers(SQLModel, table=True):
    """An 80-yuan bouquet sent for a birthday; at most one per customer per year."""

    __tablename__ = "crm_birthday_flowers"
    __table_args__ = (UniqueConstraint("customer_id", "year", name="uq_crm_flowers_customer_year"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    year: int
    value_fen: int
    sent_at: datetime
    staff_id: int | None = Field(default=None, foreign_key="crm_staff.id")


# ---------------------------------------------------------------------------------------------
# Relationship upkeep, feedback, after-sales notes


class ContactLogBase(SQLModel):
    channel: ContactChannel
    contacted_at: datetime
    notes: str | None = Field(default=None, max_length=2000)


class ContactLog(ContactLogBase, table=True):
    __tablename__ = "crm_contact_log"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="crm_staff.id")


class ContactLogPublic(ContactLogBase):
    id: int
    customer_id: int
    staff_name: str | None = None


class FeedbackBase(SQLModel):
    kind: FeedbackKind
    category: FeedbackCategory = FeedbackCategory.other
    source: FeedbackSource
    received_at: datetime
    content: str = Field(max_length=4000)
    source_call_id: str | None = Field(default=None, max_length=64, description="QA call the complaint was found in")


class Feedback(FeedbackBase, table=True):
    __tablename__ = "crm_feedback"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="crm_customer.id", index=True)
    contact_phone: str | None = Field(default=None, max_length=20, description="caller's number when not a customer")
    received_at: datetime = Field(index=True)
    source_call_id: str | None = Field(default=None, max_length=64, index=True)
    status: FeedbackStatus = FeedbackStatus.open
    recorded_by_id: int | None = Field(default=None, foreign_key="crm_staff.id")
    reply: str | None = None
    replied_at: datetime | None = None
    replied_by_id: int | None = Field(default=None, foreign_key="crm_staff.id")


class FeedbackPublic(FeedbackBase):
    id: int
    customer_id: int | None
    contact_phone: str | None
    status: FeedbackStatus
    reply: str | None
    replied_at: datetime | None


class CustomerNote(SQLModel, table=True):
    """VIP after-sales history: needs gathered and profile notes by the service agent."""

    __tablename__ = "crm_customer_note"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="crm_customer.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="crm_staff.id")
    noted_at: datetime
    kind: NoteKind = NoteKind.note
    text: str = Field(max_length=4000)


CRM_TABLE_PREFIX = "crm_"
