from datetime import date, datetime

import pytest

from crm import services as svc
from crm.models import FeedbackStatus


def _buyer_born(session, make_buyer, born, name, phone, vip=True):
    c = make_buyer(session, name=name, phone=phone, birth_date=born)
    if vip:
        svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=10_000)
        svc.sell_card(session, customer_id=c.id, salesperson_ref="S01", face_value_yuan=10_000)
    return c


def test_birthday_list_crosses_month_and_year_ends(session, make_buyer):
    _buyer_born(session, make_buyer, date(1975, 12, 30), "甲", "13900000001")
    _buyer_born(session, make_buyer, date(1980, 1, 2), "乙", "13900000002")
    _buyer_born(session, make_buyer, date(1990, 1, 5), "丙", "13900000003")
    rows = svc.birthday_due(session, start=date(2026, 12, 28), days=7)  # 12-28 … 01-03
    assert [(r.name, r.birthday) for r in rows] == [("甲", date(2026, 12, 30)), ("乙", date(2027, 1, 2))]
    assert all(r.flowers_value_fen == 8_000 for r in rows)
    rows = svc.birthday_due(session, start=date(2026, 11, 29), days=3)  # 11-29 … 12-01
    assert rows == []
    assert [r.name for r in svc.birthday_due(session, start=date(2027, 1, 5), days=1)] == ["丙"]


def test_leap_day_birthdays_fall_on_28_february_in_common_years(session, make_buyer):
    _buyer_born(session, make_buyer, date(1988, 2, 29), "闰", "13900000004")
    assert [r.birthday for r in svc.birthday_due(session, start=date(2027, 2, 27), days=3)] == [date(2027, 2, 28)]
    assert [r.birthday for r in svc.birthday_due(session, start=date(2028, 2, 27), days=3)] == [date(2028, 2, 29)]


def test_only_card_holders_get_flowers_unless_asked(session, make_buyer):
    _buyer_born(session, make_buyer, date(1975, 11, 26), "无卡", "13900000005", vip=False)
    assert svc.birthday_due(session, start=date(2026, 11, 20), days=7) == []
    assert [r.name for r in svc.birthday_due(session, start=date(2026, 11, 20), days=7, vip_only=False)] == ["无卡"]


def test_flowers_sent_once_per_year(session, make_buyer):
    c = _buyer_born(session, make_buyer, date(1975, 11, 26), "王建国", "13900001234")
    first = svc.record_flowers_sent(session, customer_id=c.id, year=2026, staff_ref="S01")
    assert svc.record_flowers_sent(session, customer_id=c.id, year=2026).id == first.id
    assert svc.birthday_due(session, start=date(2026, 11, 26))[0].sent
    assert not svc.birthday_due(session, start=date(2027, 11, 26))[0].sent


def test_complaint_from_a_qa_call_lands_in_the_feedback_record(session, buyer):
    fb = svc.file_feedback(session, kind="complaint", category="call_center", source="call", phone="+86 139 0000 1234",
                           source_call_id="C0006", content="坐席打断客户说话", at=datetime(2026, 11, 20, 9, 20))
    assert fb.customer_id == buyer.id
    again = svc.file_feedback(session, kind="complaint", category="call_center", source="call", phone="13900001234",
                              source_call_id="C0006", content="坐席打断客户说话")
    assert again.id == fb.id  # filing twice from the same call does not duplicate
    assert [f.id for f in svc.feedback_for_call(session, call_id="C0006")] == [fb.id]
    panel = svc.customer_panel(session, phone="13900001234")
    assert [f.source_call_id for f in panel.open_feedback] == ["C0006"]
    svc.reply_feedback(session, feedback_id=fb.id, reply="已致歉并培训坐席", staff_ref="A01")
    assert svc.customer_panel(session, phone="13900001234").open_feedback == []


def test_unknown_caller_feedback_keeps_the_number_without_creating_a_customer(session):
    fb = svc.file_feedback(session, kind="inquiry", source="call", phone="188-0000-4321", content="问价格")
    assert fb.customer_id is None and fb.contact_phone == "18800004321"
    assert svc.find_customer_by_phone(session, phone="18800004321") is None


def test_weekly_sheet_and_monthly_analysis(session, buyer):
    at = datetime(2026, 11, 16, 10)
    svc.file_feedback(session, kind="complaint", category="rooms", source="written", customer_id=buyer.id, content="空调噪音", at=at)
    svc.file_feedback(session, kind="complaint", category="rooms", source="in_house", content="热水不热", at=datetime(2026, 11, 22, 23, 59))
    svc.file_feedback(session, kind="praise", category="dining", source="in_house", content="早餐好", at=datetime(2026, 11, 23))
    svc.file_feedback(session, kind="suggestion", category="front_desk", source="outside", content="延迟退房", at=datetime(2026, 10, 31))
    sheet = svc.weekly_feedback_sheet(session, week_start=date(2026, 11, 16))
    assert [r.content for r in sheet.rows] == ["空调噪音", "热水不热"]
    assert (sheet.total, sheet.complaints, sheet.written_complaints_unreplied) == (2, 2, 1)
    assert sheet.rows[0].customer_name == "王建国"
    svc.reply_feedback(session, feedback_id=sheet.rows[0].id, reply="已更换房间并致歉", close=True)
    nov = svc.monthly_feedback_analysis(session, month="2026-11")
    counts = {(c.dimension, c.key): c.count for c in nov.counts}
    assert nov.total == 3
    assert counts[("kind", "complaint")] == 2 and counts[("category", "rooms")] == 2
    assert counts[("status", FeedbackStatus.closed.value)] == 1 and counts[("status", "open")] == 2
    assert nov.reply_rate == pytest.approx(1 / 3)
    assert nov.top_categories == ["rooms"]
    assert svc.monthly_feedback_analysis(session, month="2026-12").reply_rate is None


def test_contact_log(session, buyer):
    svc.log_contact(session, customer_id=buyer.id, channel="visit", staff_ref="S01", notes="上门拜访", at=datetime(2026, 11, 5, 15))
    svc.log_contact(session, customer_id=buyer.id, channel="sms", notes="促销短信", at=datetime(2026, 11, 6))
    with pytest.raises(Exception):
        svc.log_contact(session, customer_id=buyer.id, channel="fax")
    contacts = svc.customer_panel(session, phone="13900001234").recent_contacts
    assert [(c.channel.value, c.staff_name) for c in contacts] == [("sms", None), ("visit", "孙丽")]
    assert contacts[1].contacted_at.hour == 15  # shown in hotel-local time
