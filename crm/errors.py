"""CRM errors. Every refusal says what went wrong in Chinese and in English, and nothing is written."""

from __future__ import annotations


class CrmError(Exception):
    """A refused CRM operation. ``str()`` is ``"<中文> / <English>"``; ``code`` is stable for APIs."""

    code = "crm_error"

    def __init__(self, zh: str, en: str):
        self.zh = zh
        self.en = en
        super().__init__(f"{zh} / {en}")


class NotFound(CrmError):
    code = "not_found"


class CustomerNotFound(NotFound):
    code = "customer_not_found"

    def __init__(self, ref: object):
        super().__init__(f"找不到客户：{ref}", f"customer not found: {ref}")


class StaffNotFound(NotFound):
    code = "staff_not_found"

    def __init__(self, ref: object):
        super().__init__(f"找不到员工：{ref}", f"staff member not found: {ref}")


class CardNotFound(NotFound):
    code = "card_not_found"

    def __init__(self, card_no: str):
        super().__init__(f"找不到贵宾卡：{card_no}", f"VIP card not found: {card_no}")


class VoucherNotFound(NotFound):
    code = "voucher_not_found"

    def __init__(self, code: str):
        super().__init__(f"找不到代金券/赠房券：{code}", f"voucher not found: {code}")


class FeedbackNotFound(NotFound):
    code = "feedback_not_found"

    def __init__(self, ref: object):
        super().__init__(f"找不到客户意见：{ref}", f"feedback not found: {ref}")


class InvalidPhone(CrmError):
    code = "invalid_phone"

    def __init__(self, raw: str):
        super().__init__(f"电话号码无效：{raw!r}", f"invalid phone number: {raw!r}")


class PhoneInUse(CrmError):
    code = "phone_in_use"

    def __init__(self, number: str, owner: str):
        super().__init__(f"电话 {number} 已登记在客户「{owner}」名下", f"phone {number} already belongs to customer {owner!r}")


class DuplicateCustomer(CrmError):
    code = "duplicate_customer"

    def __init__(self, field: str, value: str):
        super().__init__(f"客户{field}重复：{value}", f"duplicate customer {field}: {value}")


class InvalidValue(CrmError):
    """A field value that is not allowed (bad enum, bad date, empty name…)."""

    code = "invalid_value"


class InvalidAmount(CrmError):
    code = "invalid_amount"

    def __init__(self, amount: object, why_zh: str = "金额必须为正数", why_en: str = "amount must be positive"):
        super().__init__(f"{why_zh}：{amount}", f"{why_en}: {amount}")


class InvalidFaceValue(CrmError):
    code = "invalid_face_value"

    def __init__(self, yuan: object):
        super().__init__(
            f"贵宾卡面值只能是壹万元或贰万元，不能是 {yuan}", f"VIP card face value must be 10,000 or 20,000 yuan, not {yuan}"
        )


class NotASalesperson(CrmError):
    code = "not_a_salesperson"

    def __init__(self, name: str):
        super().__init__(f"{name} 不是销售人员，不能领卡/售卡", f"{name} is not a salesperson and cannot draw or sell cards")


class CardNotDrawn(CrmError):
    """Selling a card that was never drawn from finance, or drawn by someone else."""

    code = "card_not_drawn"


class CardNotActive(CrmError):
    code = "card_not_active"

    def __init__(self, card_no: str, status: str):
        super().__init__(f"贵宾卡 {card_no} 未售出或已停用（状态：{status}）", f"VIP card {card_no} is not active (status: {status})")


class RegistrationIncomplete(CrmError):
    code = "registration_incomplete"

    def __init__(self, missing: list[str]):
        self.missing = missing
        zh = "、".join(_FIELD_ZH.get(m, m) for m in missing)
        super().__init__(f"购卡登记资料不全，缺少：{zh}", f"buyer registration incomplete, missing: {', '.join(missing)}")


_FIELD_ZH = {
    "company": "单位名称",
    "address": "单位地址",
    "name": "姓名",
    "gender": "性别",
    "contact": "联系方式",
    "birth_date": "出生年月日",
}


class CashOutRefused(CrmError):
    code = "cash_out_refused"

    def __init__(self) -> None:
        super().__init__("贵宾卡及副卡不兑换现金", "VIP cards and sub-cards are never exchanged for cash")


class DisallowedCategory(CrmError):
    code = "disallowed_category"

    def __init__(self, category: object):
        super().__init__(
            f"贵宾卡只限本酒店餐饮、客房、KTV 使用，不能用于：{category}",
            f"VIP cards may only be used for dining, rooms and KTV, not: {category}",
        )


class InsufficientBalance(CrmError):
    code = "insufficient_balance"

    def __init__(self, card_no: str, balance_fen: int, amount_fen: int):
        self.balance_fen = balance_fen
        self.amount_fen = amount_fen
        super().__init__(
            f"贵宾卡 {card_no} 余额不足：余额 {balance_fen / 100:.2f} 元，需付 {amount_fen / 100:.2f} 元",
            f"insufficient balance on VIP card {card_no}: balance {balance_fen / 100:.2f}, needed {amount_fen / 100:.2f} yuan",
        )


class MissingAgreementPrice(CrmError):
    code = "missing_agreement_price"

    def __init__(self) -> None:
        super().__init__(
            "机关事业单位按散客价结算，须同时记录协议价（用于月底返奖）",
            "government/institution units pay walk-in prices; the agreement price must be recorded too (for the month-end rebate)",
        )


class VoucherAlreadyRedeemed(CrmError):
    code = "voucher_already_redeemed"

    def __init__(self, code: str, when: object):
        super().__init__(f"券 {code} 已于 {when} 使用，不能重复使用", f"voucher {code} was already redeemed at {when}")


class CsvImportError(CrmError):
    """The CSV was refused as a whole; ``errors`` lists ``(row_number, message)`` (header = row 1)."""

    code = "csv_import_error"

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        lines = "\n".join(f"  第{row}行 / row {row}: {msg}" for row, msg in errors)
        super().__init__(
            f"导入失败，未写入任何数据（{len(errors)} 处错误）", f"import refused, nothing written ({len(errors)} errors)\n{lines}"
        )
