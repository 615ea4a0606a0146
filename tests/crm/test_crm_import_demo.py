import json

import pytest
from typer.testing import CliRunner

from crm import services as svc
from crm.demo import UNKNOWN_DEMO_CALLER, load_demo
from crm.errors import CsvImportError
from crm.importer import import_customers_csv
from crm.models import CustomerKind, Gender

HEADER = "kind,name,company,address,contact_person,phones,gender,birth_date,member_card_no,preferences,stay_count,notes\n"
GOOD = (
    HEADER
    + "会员,王建国,贵阳筑城建材有限公司,贵阳市观山湖区,,+86 139-0000-1234,男,1975-11-26,YL-M-000123,安静楼层,,\n"
    + "商务协议客户,贵州黔丰科技有限公司,,贵阳市南明区,李梅,138 0000 5678；(0851) 8581-2345,女,,,,,月结\n"
    + "frequent_guest,张伟,中建四局,,,0086-137-0000-2468,male,1980/05/02,,高楼层,23,\n"
    + "其他,锦江之星（观山湖店）,,,,,,,,,,竞争对手\n"
)


def test_import_with_bom_and_reimport_is_idempotent(session):
    result = import_customers_csv(session, data=("\ufeff" + GOOD).encode("utf-8"))
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    li = svc.find_customer_by_phone(session, phone="0851-85812345")
    assert li.name == "贵州黔丰科技有限公司" and li.contact_person == "李梅" and li.kind == CustomerKind.business_agreement
    zhang = svc.find_customer_by_phone(session, phone="13700002468")
    assert zhang.stay_count == 23 and zhang.gender == Gender.male and zhang.birth_date.isoformat() == "1980-05-02"
    again = import_customers_csv(session, data=("\ufeff" + GOOD).encode("utf-8"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    changed = import_customers_csv(session, data=GOOD.replace(",23,", ",24,"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 3)
    assert len(svc.search_customers(session, query="")) == 4


def test_chinese_headers_are_accepted(session):
    text = "类型,名称,联系人,电话\n旅行社,多彩贵州旅行社,陈静,186-0000-1357\n"
    assert import_customers_csv(session, data=text).created == 1
    assert svc.find_customer_by_phone(session, phone="18600001357").contact_person == "陈静"


def test_bad_rows_are_reported_by_row_number_and_nothing_is_imported(session, row_counts):
    bad = (
        HEADER
        + "会员,王建国,,,,13900001234,男,1975-11-26,,,,\n"  # row 2: fine
        + "外星人,某某,,,,13900009999,,,,,,\n"  # row 3: unknown kind
        + "会员,,,,,13900008888,,,,,,\n"  # row 4: no name
        + "会员,赵敏,,,,13600007788,女,1990-13-01,,,,\n"  # row 5: bad date
        + "会员,刘洋,,,,not-a-phone,,,,,,\n"  # row 6: bad phone
        + "会员,陈静,,,,139 0000 1234,,,,,,\n"  # row 7: phone already on row 2
        + "常客,张伟,,,,13700002468,,,,,很多,\n"  # row 8: stay count
    )
    before = row_counts(session)
    with pytest.raises(CsvImportError) as exc:
        import_customers_csv(session, data=bad)
    assert [row for row, _ in exc.value.errors] == [3, 4, 5, 6, 7, 8]
    assert "row 7" in str(exc.value)
    assert row_counts(session) == before


def test_unknown_columns_and_phones_of_other_customers_are_refused(session, make_buyer):
    with pytest.raises(CsvImportError) as exc:
        import_customers_csv(session, data="kind,name,fax\n会员,王建国,123\n")
    assert exc.value.errors[0][0] == 1
    make_buyer(session, name="王建国", phone="13900001234")
    with pytest.raises(CsvImportError) as exc:
        import_customers_csv(session, data="code,kind,name,phones\nX1,会员,李四,13900001234\n")
    assert exc.value.errors[0][0] == 2


def test_not_utf8_is_refused(session):
    with pytest.raises(CsvImportError):
        import_customers_csv(session, data=GOOD.encode("gbk"))


def test_demo_loader_is_idempotent_and_matches_the_demo_callers(session, row_counts):
    first = load_demo(session)
    assert first.customers_created >= 9
    counts = row_counts(session)
    second = load_demo(session)
    assert second.customers_created == 0 and second.staff_created == 0
    assert row_counts(session) == counts
    assert svc.customer_panel(session, phone=UNKNOWN_DEMO_CALLER) is None
    wang = svc.customer_panel(session, phone="13900001234")
    assert wang.customer.name == "王建国" and wang.kind == CustomerKind.member
    main = [c for c in wang.cards if c.kind.value == "main"]
    assert [c.face_value_fen for c in main] == [2_000_000] and 0 < main[0].balance_fen < 2_000_000
    assert {r.category.value for r in wang.recent_ledger if r.category} == {"dining", "rooms", "ktv"}
    assert wang.customer.birth_date.month == 11 and wang.customer.birth_date.day >= 20
    li = svc.customer_panel(session, phone="13800005678")
    assert li.company == "贵州黔丰科技有限公司" and li.person_name == "李梅"
    zhang = svc.customer_panel(session, phone="13700002468")
    assert zhang.customer.stay_count == 23 and zhang.customer.preferences
    assert svc.customer_panel(session, phone="18600001357").kind == CustomerKind.travel_agency
    liu = svc.customer_panel(session, phone="15900003690")
    assert liu.kind == CustomerKind.government and liu.person_name == "刘洋"
    sub = [c for c in liu.cards if c.kind.value == "sub"]
    assert len(sub) == 2 and sub[0].balance_fen > 0
    zhao = svc.customer_panel(session, phone="13600007788")
    assert [c.face_value_fen for c in zhao.cards if c.kind.value == "main"] == [1_000_000]
    assert [f.kind.value for f in zhao.open_feedback] == ["complaint"]
    kinds = {c.kind for c in svc.search_customers(session, query="", limit=100)}
    assert {CustomerKind.ota_partner, CustomerKind.other} <= kinds


def test_cli_demo_lookup_and_refusal(tmp_path, monkeypatch):
    from qa_engine.config import get_settings

    from crm.cli import crm_app

    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(crm_app, ["demo"]).exit_code == 0
        out = runner.invoke(crm_app, ["lookup", "+86 139-0000-1234", "--json"])
        assert out.exit_code == 0 and json.loads(out.stdout)["customer"]["name"] == "王建国"
        assert runner.invoke(crm_app, ["lookup", UNKNOWN_DEMO_CALLER]).exit_code == 2
        refused = runner.invoke(crm_app, ["card", "spend", "VIP000001", "10", "--category", "cash"])
        assert refused.exit_code == 1 and "不兑换现金" in refused.stderr
        rebates = runner.invoke(crm_app, ["month-end", "rebates", "--month", "2026-10", "--json"])
        assert json.loads(rebates.stdout)[0]["status"] == "already_paid"
        csv_path = tmp_path / "c.csv"
        csv_path.write_text("kind,name,phones\n会员,新客,13511112222\n", encoding="utf-8-sig")
        assert "created 1" in runner.invoke(crm_app, ["import", str(csv_path)]).stdout
    finally:
        get_settings.cache_clear()
