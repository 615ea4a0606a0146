"""CRM services: keyword-only functions taking a ``Session``, one module per area, re-exported here so
``from crm import services`` and ``crm.services.X`` reach every public function.

Conventions:
- Every function validates everything before it adds anything, so a refused operation (a
  :class:`~crm.errors.CrmError`) leaves nothing written. Functions ``flush`` but never commit: the
  caller's ``session_scope`` commits (or rolls back) the whole unit of work.
- Money is integer fen. Times are timezone-aware (SQLModel stores them in UTC); a naive ``at=`` means
  hotel-local time (Asia/Shanghai), and months, weeks and birthdays are counted in hotel-local time.
- Money moves only through ``crm.ledger.post_entry`` (a conditional UPDATE of the account's balance
  with its ledger entry), and state changes that must happen once (a card sold, a voucher redeemed)
  are conditional UPDATEs whose row count is checked: concurrent requests cannot overdraw a card, sell
  a card twice or redeem a voucher twice, on SQLite or PostgreSQL.
"""

from crm.services.cards import (
    FACE_VALUES_FEN,
    SELLING_ROLES,
    adjust,
    card_balance,
    customer_cards,
    draw_cards,
    issue_sub_cards,
    ledger,
    record_unit_consumption,
    sell_card,
    sell_cards,
    spend,
)
from crm.services.clock import (
    HOTEL_TZ,
    local_now,
    parse_month,
)
from crm.services.customers import (
    add_customer_note,
    add_phone,
    assign_service_agent,
    create_customer,
    customer_phones,
    customer_public,
    find_customer_by_phone,
    get_customer,
    search_customers,
    update_customer,
)
from crm.services.gifts import (
    GIFT_TIERS,
    customer_vouchers,
    gifts_for_purchase,
    issue_gifts,
    redeem_voucher,
)
from crm.services.month_end import (
    BIRTHDAY_FLOWERS_FEN,
    COMMISSION_RATES,
    birthday_due,
    birthday_in_year,
    commission_for_card,
    commission_report,
    record_flowers_sent,
    run_month_end_rebates,
)
from crm.services.panel import (
    customer_panel,
)
from crm.services.staff import (
    create_staff,
    get_staff,
    list_staff,
)
from crm.services.upkeep import (
    feedback_for_call,
    file_feedback,
    log_contact,
    monthly_feedback_analysis,
    reply_feedback,
    weekly_feedback_sheet,
)

__all__ = [
    "BIRTHDAY_FLOWERS_FEN",
    "COMMISSION_RATES",
    "FACE_VALUES_FEN",
    "GIFT_TIERS",
    "HOTEL_TZ",
    "SELLING_ROLES",
    "add_customer_note",
    "add_phone",
    "adjust",
    "assign_service_agent",
    "birthday_due",
    "birthday_in_year",
    "card_balance",
    "commission_for_card",
    "commission_report",
    "create_customer",
    "create_staff",
    "customer_cards",
    "customer_panel",
    "customer_phones",
    "customer_public",
    "customer_vouchers",
    "draw_cards",
    "feedback_for_call",
    "file_feedback",
    "find_customer_by_phone",
    "get_customer",
    "get_staff",
    "gifts_for_purchase",
    "issue_gifts",
    "issue_sub_cards",
    "ledger",
    "list_staff",
    "local_now",
    "log_contact",
    "monthly_feedback_analysis",
    "parse_month",
    "record_flowers_sent",
    "record_unit_consumption",
    "redeem_voucher",
    "reply_feedback",
    "run_month_end_rebates",
    "search_customers",
    "sell_card",
    "sell_cards",
    "spend",
    "update_customer",
    "weekly_feedback_sheet",
]
