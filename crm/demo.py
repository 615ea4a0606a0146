"""Demo CRM data matching the callers of the demo calls (idempotent).

13900001234 王建国, 13800005678 李梅, 13700002468 张伟, 18600001357 陈静, 15900003690 刘洋 and
13600007788 赵敏 are customers; 18800004321 is deliberately unknown. Numbers are stored in varied
written forms to exercise normalisation.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, SQLModel, select

from crm import services as svc
from crm.models import (
    ConsumptionSource,
    Customer,
    CustomerCreate,
    CustomerKind,
    FeedbackCategory,
    FeedbackKind,
    FeedbackSource,
    Gender,
    NoteKind,
    Staff,
    StaffCreate,
    StaffRole,
)
from crm.money import yuan_to_fen
from crm.schemas import BuyerRegistration

UNKNOWN_DEMO_CALLER = "18800004321"

STAFF = [
    ("S01", "孙丽", StaffRole.sales),
    ("S02", "周强", StaffRole.sales),
    ("A01", "吴芳", StaffRole.service_agent),
    ("A02", "郑浩", StaffRole.service_agent),
    ("F01", "钱红", StaffRole.finance),
]


def _y(yuan: str) -> int:
    return yuan_to_fen(yuan)


def _customers() -> list[CustomerCreate]:
    return [
        CustomerCreate(code="DEMO-01", kind=CustomerKind.member, name="王建国", gender=Gender.male, birth_date=date(1975, 11, 26),
                       company="贵阳筑城建材有限公司", address="贵阳市观山湖区长岭北路 88 号", member_card_no="YL-M-000123",
                       preferences="安静楼层；商务宴请常订包间", phones=["+86 139-0000-1234"]),
        CustomerCreate(code="DEMO-02", kind=CustomerKind.business_agreement, name="贵州黔丰科技有限公司", contact_person="李梅",
                       gender=Gender.female, address="贵阳市南明区花果园 R2 区 12 楼", notes="商务协议价 368 元/间夜，月结",
                       phones=["138 0000 5678", "(0851) 8581-2345"]),
        CustomerCreate(code="DEMO-03", kind=CustomerKind.frequent_guest, name="张伟", gender=Gender.male, company="中建四局贵州分公司",
                       preferences="高楼层、无烟房、荞麦枕；早餐要豆浆", stay_count=23, phones=["0086-137-0000-2468"]),
        CustomerCreate(code="DEMO-04", kind=CustomerKind.travel_agency, name="多彩贵州旅行社", contact_person="陈静", gender=Gender.female,
                       address="贵阳市云岩区中华北路 216 号", notes="团队房每月约 40 间夜", phones=["186-0000-1357"]),
        CustomerCreate(code="DEMO-05", kind=CustomerKind.government, name="遵义市文化旅游局", contact_person="刘洋", gender=Gender.male,
                       birth_date=date(1982, 3, 15), address="遵义市汇川区上海路 100 号", phones=["+86 15900003690"]),
        CustomerCreate(code="DEMO-06", kind=CustomerKind.member, name="赵敏", gender=Gender.female, birth_date=date(1990, 6, 18),
                       company="贵州山水律师事务所", address="贵阳市南明区新华路 56 号", member_card_no="YL-M-000456",
                       phones=["136 0000 7788"]),
        CustomerCreate(code="DEMO-07", kind=CustomerKind.ota_partner, name="携程旅行网（贵阳区域）", contact_person="王磊",
                       gender=Gender.male, notes="每日前台与订房中心话务员联系", phones=["0851-8555-0101"]),
        CustomerCreate(code="DEMO-08", kind=CustomerKind.ota_partner, name="艺龙旅行网", contact_person="何静", phones=["0851-8555-0202"]),
        CustomerCreate(code="DEMO-09", kind=CustomerKind.other, name="锦江之星（观山湖店）",
                       notes="竞争对手，周边 2 公里内；标间均价 228 元"),
        CustomerCreate(code="DEMO-10", kind=CustomerKind.government, name="贵阳市观山湖区人民医院", contact_person="何芳",
                       gender=Gender.female, address="贵阳市观山湖区金阳南路 1 号", phones=["0851 8478 0001"]),
        CustomerCreate(code="DEMO-11", kind=CustomerKind.frequent_guest, name="杨帆", gender=Gender.male, company="贵州茅台酒销售有限公司",
                       preferences="大床房、晚到留房", stay_count=8, phones=["+86 135 0000 9911"]),
    ]


class DemoSummary(SQLModel):
    staff_created: int
    customers_created: int
    customers_existing: int


def load_demo(session: Session) -> DemoSummary:
    """Create the demo staff and customers that are missing, with their cards and history.

    Idempotent: staff and customers are keyed by code, and a customer's cards, spends, gifts,
    rebates and feedback are only created together with the customer.
    """
    staff_created = 0
    for code, name, role in STAFF:
        if session.exec(select(Staff).where(Staff.code == code)).first() is None:
            svc.create_staff(session, staff_in=StaffCreate(code=code, name=name, role=role))
            staff_created += 1
    created: dict[str, Customer] = {}
    existing = 0
    for c in _customers():
        if session.exec(select(Customer).where(Customer.code == c.code)).first() is not None:
            existing += 1
            continue
        created[c.code] = svc.create_customer(session, customer_in=c, at=datetime(2026, 9, 1, 10, 0))
    story = {"DEMO-01": _wang_jianguo, "DEMO-02": _li_mei, "DEMO-03": _zhang_wei, "DEMO-04": _chen_jing,
             "DEMO-05": _liu_yang, "DEMO-06": _zhao_min}
    for code, customer in created.items():
        if code in story:
            story[code](session, customer)
    return DemoSummary(staff_created=staff_created, customers_created=len(created), customers_existing=existing)


def _wang_jianguo(session: Session, c: Customer) -> None:
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=20_000, recorded_by_ref="F01", at=datetime(2026, 10, 5, 9, 30))
    sale = svc.sell_card(session, customer_id=c.id, salesperson_ref="S01", face_value_yuan=20_000, at=datetime(2026, 10, 8, 15, 0))
    card = sale.card_nos[0]
    svc.spend(session, card_no=card, amount_fen=_y("1280.00"), category="dining", at=datetime(2026, 10, 12, 19, 40), note="商务宴请 包间 6 位")
    svc.spend(session, card_no=card, amount_fen=_y("688.00"), category="rooms", at=datetime(2026, 10, 20, 12, 5), note="行政大床房 1 晚")
    svc.spend(session, card_no=card, amount_fen=_y("560.00"), category="ktv", at=datetime(2026, 11, 2, 22, 10))
    svc.spend(session, card_no=card, amount_fen=_y("2350.50"), category="dining", at=datetime(2026, 11, 15, 20, 0), note="家宴")
    svc.redeem_voucher(session, code=sale.vouchers[0], at=datetime(2026, 10, 20, 12, 0), note="赠房 1 间夜")
    svc.assign_service_agent(session, customer_id=c.id, staff_ref="A01")
    svc.add_customer_note(session, customer_id=c.id, staff_ref="A01", kind=NoteKind.need, at=datetime(2026, 10, 9, 10, 0),
                          text="年底公司年会约 12 桌，想了解包场价格")
    svc.log_contact(session, customer_id=c.id, channel="phone", staff_ref="S01", at=datetime(2026, 11, 1, 10, 30), notes="回访购卡体验，满意")


def _li_mei(session: Session, c: Customer) -> None:
    svc.log_contact(session, customer_id=c.id, channel="visit", staff_ref="S02", at=datetime(2026, 11, 5, 15, 0),
                    notes="上门拜访李梅经理，续签 2027 年协议意向")
    svc.file_feedback(session, kind=FeedbackKind.suggestion, category=FeedbackCategory.front_desk, source=FeedbackSource.outside,
                      customer_id=c.id, at=datetime(2026, 11, 5, 15, 30), content="希望协议客户入住可以提前到中午 12 点")


def _zhang_wei(session: Session, c: Customer) -> None:
    svc.log_contact(session, customer_id=c.id, channel="sms", staff_ref="S01", at=datetime(2026, 11, 10, 9, 0), notes="会员日促销短信")
    svc.file_feedback(session, kind=FeedbackKind.praise, category=FeedbackCategory.rooms, source=FeedbackSource.in_house,
                      customer_id=c.id, at=datetime(2026, 11, 17, 8, 30), content="每次都安排高楼层无烟房，很贴心")


def _chen_jing(session: Session, c: Customer) -> None:
    svc.log_contact(session, customer_id=c.id, channel="phone", staff_ref="S02", at=datetime(2026, 11, 3, 11, 0),
                    notes="月度电话联系：12 月团队计划 3 个团")


def _liu_yang(session: Session, c: Customer) -> None:
    svc.draw_cards(session, salesperson_ref="S02", face_value_yuan=20_000, recorded_by_ref="F01", at=datetime(2026, 9, 18, 9, 0))
    sale = svc.sell_card(session, customer_id=c.id, salesperson_ref="S02", face_value_yuan=20_000, at=datetime(2026, 9, 20, 16, 0),
                         registration=BuyerRegistration(name="刘洋"))
    card = sale.card_nos[0]
    # Government units pay walk-in prices; the agreement price is recorded beside each spend.
    svc.spend(session, card_no=card, amount_fen=_y("3600.00"), agreement_price_fen=_y("2880.00"), category="dining",
              at=datetime(2026, 10, 14, 12, 30), note="接待宴请")
    svc.record_unit_consumption(session, customer_id=c.id, category="rooms", walk_in_fen=_y("1176.00"), agreement_fen=_y("936.00"),
                                at=datetime(2026, 10, 15, 12, 0), note="标间 2 间夜，挂帐")
    svc.record_unit_consumption(session, customer_id=c.id, category="ktv", walk_in_fen=_y("880.00"), agreement_fen=_y("704.00"),
                                source=ConsumptionSource.ktv, at=datetime(2026, 10, 15, 22, 0))
    svc.run_month_end_rebates(session, month="2026-10", at=datetime(2026, 11, 1, 9, 0))
    svc.assign_service_agent(session, customer_id=c.id, staff_ref="A02")


def _zhao_min(session: Session, c: Customer) -> None:
    svc.draw_cards(session, salesperson_ref="S02", face_value_yuan=10_000, count=2, recorded_by_ref="F01", at=datetime(2026, 11, 1, 9, 0))
    sale = svc.sell_card(session, customer_id=c.id, salesperson_ref="S02", face_value_yuan=10_000, at=datetime(2026, 11, 3, 14, 0))
    svc.spend(session, card_no=sale.card_nos[0], amount_fen=_y("458.00"), category="rooms", at=datetime(2026, 11, 10, 13, 0))
    svc.assign_service_agent(session, customer_id=c.id, staff_ref="A02")
    svc.file_feedback(session, kind=FeedbackKind.complaint, category=FeedbackCategory.rooms, source=FeedbackSource.in_house,
                      customer_id=c.id, at=datetime(2026, 11, 12, 8, 20),
                      content="1206 房空调噪音大，夜里无法入睡，要求换房但前台半小时后才处理")
