"""Import the customer archive (目标客户档案) from CSV: all rows or none, idempotent on re-import.

CSV format: UTF-8 (a byte-order mark is tolerated), comma-separated, first row a header.
Columns (English or Chinese header names; only ``kind`` and ``name`` are required, unknown
columns are refused so a typo does not silently drop data):

=================  ============  ======================================================================
column             中文列名       value
=================  ============  ======================================================================
code               客户编号       natural key when given (e.g. C000123)
kind               类型           business_agreement|travel_agency|ota_partner|member|frequent_guest|
                                 government|other, or 商务协议客户/协议单位, 旅行社, 网络订房, 会员, 常客,
                                 机关事业单位/政府, 其他
name               名称           person, or the unit for unit kinds (协议单位、旅行社、订房网络、机关)
company            单位           company of a person
address            地址
contact_person     联系人
phones             电话           one or more numbers separated by ``;`` ``；`` ``、`` or ``|``
gender             性别           男/女/male/female
birth_date         出生日期       YYYY-MM-DD (or YYYY/MM/DD, YYYY.MM.DD)
member_card_no     会员卡号
preferences        客户喜好
stay_count         入住次数       whole number
notes              备注
=================  ============  ======================================================================

Natural key for upsert: ``code`` when given; otherwise the first phone number (a customer already
holding it is updated); otherwise (kind, name). Re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, select

from crm import errors, services
from crm.models import Customer, CustomerCreate, CustomerKind, CustomerPhone
from crm.phone import normalize_phone
from crm.schemas import ImportResult, ImportRowResult
from crm.services.cards import _parse_gender
from crm.services.clock import _at
from crm.services.customers import _phone_owner

COLUMNS = {
    "code": "code", "客户编号": "code", "编号": "code",
    "kind": "kind", "类型": "kind", "客户类型": "kind",
    "name": "name", "名称": "name", "姓名": "name", "单位名称": "name",
    "company": "company", "单位": "company", "公司": "company",
    "address": "address", "地址": "address", "单位地址": "address",
    "contact_person": "contact_person", "联系人": "contact_person",
    "phones": "phones", "phone": "phones", "电话": "phones", "联系电话": "phones", "手机": "phones",
    "gender": "gender", "性别": "gender",
    "birth_date": "birth_date", "出生日期": "birth_date", "生日": "birth_date",
    "member_card_no": "member_card_no", "会员卡号": "member_card_no",
    "preferences": "preferences", "客户喜好": "preferences", "喜好": "preferences",
    "stay_count": "stay_count", "入住次数": "stay_count",
    "notes": "notes", "备注": "notes",
}
KIND_WORDS = {
    "商务协议客户": CustomerKind.business_agreement, "协议单位": CustomerKind.business_agreement, "商务协议": CustomerKind.business_agreement,
    "旅行社": CustomerKind.travel_agency,
    "网络订房": CustomerKind.ota_partner, "网络订房协议单位": CustomerKind.ota_partner, "ota": CustomerKind.ota_partner,
    "会员": CustomerKind.member,
    "常客": CustomerKind.frequent_guest,
    "机关事业单位": CustomerKind.government, "政府": CustomerKind.government, "机关": CustomerKind.government, "事业单位": CustomerKind.government,
    "其他": CustomerKind.other,
}
_PHONE_SPLIT = re.compile(r"[;；、|,，]")
_UPDATABLE = ("kind", "name", "company", "address", "contact_person", "gender", "birth_date", "member_card_no", "preferences", "stay_count", "notes")


def _parse_kind(value: str) -> CustomerKind:
    text = value.strip()
    if text in KIND_WORDS or text.lower() in KIND_WORDS:
        return KIND_WORDS.get(text) or KIND_WORDS[text.lower()]
    try:
        return CustomerKind(text.lower())
    except ValueError:
        raise ValueError(f"类型无效 / unknown kind: {value!r}") from None


def _parse_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"日期无效 / invalid date: {value!r}")


def _parse_row(raw: dict[str, str]) -> tuple[dict, list[str]]:
    """Typed fields and the raw phone strings of one row; raises ValueError naming the problem."""
    row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
    if not row.get("kind"):
        raise ValueError("缺少类型 / kind is required")
    if not row.get("name"):
        raise ValueError("缺少名称 / name is required")
    fields: dict = {"kind": _parse_kind(row["kind"]), "name": row["name"]}
    for key in ("company", "address", "contact_person", "member_card_no", "preferences", "notes"):
        if row.get(key):
            fields[key] = row[key]
    if row.get("gender"):
        try:
            fields["gender"] = _parse_gender(row["gender"])
        except errors.InvalidValue:
            raise ValueError(f"性别无效 / invalid gender: {row['gender']!r}") from None
    if row.get("birth_date"):
        fields["birth_date"] = _parse_date(row["birth_date"])
    if row.get("stay_count"):
        if not row["stay_count"].isdigit():
            raise ValueError(f"入住次数应为非负整数 / stay_count must be a whole number: {row['stay_count']!r}")
        fields["stay_count"] = int(row["stay_count"])
    phones = [p.strip() for p in _PHONE_SPLIT.split(row.get("phones", "")) if p.strip()]
    for p in phones:
        try:
            normalize_phone(p)
        except errors.InvalidPhone:
            raise ValueError(f"电话号码无效 / invalid phone number: {p!r}") from None
    return fields, phones


def _read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """(row number, {column: value}) per non-empty record; row numbers count records, header = 1."""
    records = list(csv.reader(io.StringIO(text)))
    if not records or not any(h.strip() for h in records[0]):
        return [], [(1, "缺少表头 / missing header row")]
    errs: list[tuple[int, str]] = []
    mapped = []
    for name in records[0]:
        key = COLUMNS.get(name.strip()) or COLUMNS.get(name.strip().lower())
        if key is None:
            errs.append((1, f"未知列 / unknown column: {name!r}"))
        mapped.append(key)
    for required in ("kind", "name"):
        if required not in mapped:
            errs.append((1, f"缺少列 / missing column: {required}"))
    if errs:
        return [], errs
    rows = []
    for i, values in enumerate(records[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(mapped):
            errs.append((i, f"列数过多 / too many fields: {len(values)} > {len(mapped)}"))
            continue
        rows.append((i, dict(zip(mapped, values))))
    return rows, errs


def import_customers_csv(session: Session, *, data: str | bytes | Path, at: datetime | None = None) -> ImportResult:
    """Import (upsert) customers; refuses the whole file with row-numbered errors if any row is bad."""
    if isinstance(data, Path):
        data = data.read_bytes()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise errors.CsvImportError([(0, f"文件不是 UTF-8 编码 / file is not UTF-8: {exc}")]) from None
    text = data.lstrip("\ufeff")
    rows, errs = _read_rows(text)
    plans = []
    claimed_phones: dict[str, int] = {}
    claimed_keys: dict[tuple, int] = {}
    claimed_cards: dict[str, int] = {}
    for line, raw in rows:
        try:
            fields, phones = _parse_row(raw)
            code = (raw.get("code") or "").strip() or None
            existing = _match_existing(session, code=code, fields=fields, phones=phones)
            key = ("code", code) if code else ("phone", normalize_phone(phones[0])) if phones else ("name", fields["kind"], fields["name"])
            if key in claimed_keys:
                raise ValueError(f"与第{claimed_keys[key]}行重复 / duplicates row {claimed_keys[key]}")
            claimed_keys[key] = line
            for p in phones:
                number = normalize_phone(p)
                if number in claimed_phones:
                    raise ValueError(f"电话 {number} 与第{claimed_phones[number]}行重复 / phone also on row {claimed_phones[number]}")
                claimed_phones[number] = line
                owner = _phone_owner(session, number)
                if owner is not None and (existing is None or owner.id != existing.id):
                    raise ValueError(f"电话 {number} 已属于客户「{owner.name}」 / phone belongs to customer {owner.code}")
            card = fields.get("member_card_no")
            if card:
                if card in claimed_cards:
                    raise ValueError(f"会员卡号与第{claimed_cards[card]}行重复 / member card also on row {claimed_cards[card]}")
                claimed_cards[card] = line
                other = session.exec(select(Customer).where(Customer.member_card_no == card)).first()
                if other is not None and (existing is None or other.id != existing.id):
                    raise ValueError(f"会员卡号 {card} 已属于客户「{other.name}」 / member card belongs to {other.code}")
            plans.append((line, code, existing, fields, phones))
        except (ValueError, errors.CrmError) as exc:
            errs.append((line, str(exc)))
    if errs:
        raise errors.CsvImportError(sorted(errs))
    return _apply(session, plans, at)


def _match_existing(session: Session, *, code: str | None, fields: dict, phones: list[str]) -> Customer | None:
    if code:
        return session.exec(select(Customer).where(Customer.code == code)).first()
    if phones:
        return _phone_owner(session, normalize_phone(phones[0]))
    return session.exec(select(Customer).where(Customer.kind == fields["kind"], Customer.name == fields["name"])).first()


def _apply(session: Session, plans: list, at: datetime | None) -> ImportResult:
    results = []
    for line, code, existing, fields, phones in plans:
        if existing is None:
            customer = services.create_customer(session, customer_in=CustomerCreate(code=code, phones=phones, **fields), at=at)
            results.append(ImportRowResult(row=line, customer_code=customer.code, action="created"))
            continue
        changed = {k: v for k, v in fields.items() if k in _UPDATABLE and getattr(existing, k) != v}
        have = {n for n in session.exec(select(CustomerPhone.number).where(CustomerPhone.customer_id == existing.id))}
        new_phones = [p for p in phones if normalize_phone(p) not in have]
        if changed:
            existing.sqlmodel_update(changed)
            existing.updated_at = _at(at)
            session.add(existing)
        for p in new_phones:
            services.add_phone(session, customer_id=existing.id, phone=p)
        session.flush()
        action = "updated" if changed or new_phones else "unchanged"
        results.append(ImportRowResult(row=line, customer_code=existing.code, action=action))
    return ImportResult(
        created=sum(r.action == "created" for r in results),
        updated=sum(r.action == "updated" for r in results),
        unchanged=sum(r.action == "unchanged" for r in results),
        rows=results,
    )

