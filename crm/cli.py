"""``qa-engine crm …``: customer archive, VIP cards and month-end jobs from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from sqlmodel import Session

from crm import services as svc
from crm.db import init_crm
from crm.demo import load_demo
from crm.errors import CrmError
from crm.importer import import_customers_csv
from crm.money import fen_to_yuan, yuan_to_fen
from crm.schemas import BuyerRegistration
from qa_engine.config import get_settings
from qa_engine.storage.db import get_engine, session_scope

crm_app = typer.Typer(help="客户档案与贵宾卡 / CRM and VIP cards", no_args_is_help=True)
card_app = typer.Typer(help="贵宾卡 / VIP cards", no_args_is_help=True)
month_app = typer.Typer(help="月结 / month-end jobs", no_args_is_help=True)
crm_app.add_typer(card_app, name="card")
crm_app.add_typer(month_app, name="month-end")

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


@contextmanager
def _session() -> Iterator[Session]:
    """A committed-or-rolled-back session on the configured database; CRM errors become exit 1."""
    settings = get_settings()
    init_crm(get_engine(settings))
    try:
        with session_scope(settings) as session:
            yield session
    except CrmError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def _print(obj, as_json: bool) -> None:
    if as_json:
        data = [o.model_dump(mode="json") for o in obj] if isinstance(obj, list) else obj.model_dump(mode="json")
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _customer_ref(session: Session, ref: str):
    """A customer by code or by phone number."""
    customer = svc.find_customer_by_phone(session, phone=ref)
    return customer or svc.get_customer(session, ref=ref)


@crm_app.command("init")
def init_cmd() -> None:
    """Create the CRM tables (until migrations take over)."""
    init_crm(get_engine(get_settings()))
    typer.echo("CRM tables ready")


@crm_app.command("import")
def import_cmd(csv_path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="UTF-8 CSV, see crm/importer.py")]) -> None:
    """Import customers from CSV (all rows or none; re-import is idempotent)."""
    with _session() as session:
        result = import_customers_csv(session, data=csv_path)
    typer.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@crm_app.command("lookup")
def lookup_cmd(phone: str, as_json: JsonOpt = False) -> None:
    """Show the CRM panel for a caller number (exit 2 when unknown)."""
    with _session() as session:
        panel = svc.customer_panel(session, phone=phone)
    if panel is None:
        typer.echo(f"{phone}: 非 CRM 客户 / not a CRM customer", err=True)
        raise typer.Exit(2)
    if as_json:
        return _print(panel, True)
    c = panel.customer
    typer.echo(f"{c.name}（{panel.kind_label}）{c.code}  电话 {', '.join(c.phones)}")
    if panel.company and panel.company != c.name:
        typer.echo(f"  单位 {panel.company}")
    if panel.person_name != c.name:
        typer.echo(f"  联系人 {panel.person_name}")
    if c.preferences:
        typer.echo(f"  喜好 {c.preferences}")
    if c.stay_count:
        typer.echo(f"  入住 {c.stay_count} 次")
    for card in panel.cards:
        kind = "主卡" if card.kind == "main" else f"副卡({'客人' if card.holder == 'customer' else '财务'})"
        typer.echo(f"  {kind} {card.card_no}  余额 {fen_to_yuan(card.balance_fen)} 元")
    if panel.service_agent:
        typer.echo(f"  售后客服 {panel.service_agent.name}")
    for fb in panel.open_feedback:
        typer.echo(f"  未结意见 [{fb.kind.value}] {fb.content}")


@card_app.command("draw")
def card_draw(
    staff: Annotated[str, typer.Option(help="salesperson code")],
    face: Annotated[int, typer.Option(help="face value in yuan: 10000 or 20000")],
    count: int = 1,
    recorded_by: Annotated[Optional[str], typer.Option(help="finance clerk code")] = None,
) -> None:
    """Record cards drawn from finance by a salesperson."""
    with _session() as session:
        cards = svc.draw_cards(session, salesperson_ref=staff, face_value_yuan=face, count=count, recorded_by_ref=recorded_by)
        nos = [c.card_no for c in cards]
    typer.echo("drawn: " + ", ".join(nos))


@card_app.command("sell")
def card_sell(
    customer: Annotated[str, typer.Argument(help="customer code or phone")],
    staff: Annotated[str, typer.Option(help="salesperson code")],
    face: Annotated[Optional[list[int]], typer.Option(help="face value(s) in yuan, repeat for a multi-card purchase")] = None,
    card_no: Annotated[Optional[list[str]], typer.Option("--card-no", help="card number(s) drawn by the salesperson")] = None,
    company: Optional[str] = None,
    address: Optional[str] = None,
    name: Optional[str] = None,
    gender: Optional[str] = None,
    contact: Optional[str] = None,
    birth_date: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"])] = None,
    as_json: JsonOpt = False,
) -> None:
    """Sell drawn card(s) to a registered buyer; issues sub-cards and gift vouchers."""
    reg = BuyerRegistration(company=company, address=address, name=name, gender=gender, contact=contact,
                            birth_date=birth_date.date() if birth_date else None)
    with _session() as session:
        cust = _customer_ref(session, customer)
        summary = svc.sell_cards(session, customer_id=cust.id, salesperson_ref=staff, card_nos=card_no or None,
                                 face_values_yuan=face or None, registration=reg)
    if as_json:
        return _print(summary, True)
    typer.echo(f"sold {', '.join(summary.card_nos)}: {fen_to_yuan(summary.total_fen)} 元 (累计 {fen_to_yuan(summary.cumulative_fen)})")
    typer.echo(f"sub-cards {', '.join(summary.sub_card_nos)}; vouchers {', '.join(summary.vouchers) or '-'}")


@card_app.command("spend")
def card_spend(
    card_no: str,
    amount: Annotated[str, typer.Argument(help="yuan, e.g. 688.00")],
    category: Annotated[str, typer.Option(help="dining | rooms | ktv")],
    agreement_price: Annotated[Optional[str], typer.Option(help="agreement price in yuan (government units)")] = None,
    note: Optional[str] = None,
) -> None:
    """Pay with a card (dining, rooms or KTV only; no cash, no overdraft)."""
    with _session() as session:
        result = svc.spend(session, card_no=card_no, amount_fen=yuan_to_fen(amount), category=category, note=note,
                           agreement_price_fen=yuan_to_fen(agreement_price) if agreement_price else None)
    typer.echo(f"{result.card_no}: -{fen_to_yuan(result.amount_fen)} ({result.category.value}), balance {fen_to_yuan(result.balance_fen)}")


@card_app.command("show")
def card_show(card_no: str, limit: int = 20, as_json: JsonOpt = False) -> None:
    """Balance and ledger of a card."""
    with _session() as session:
        balance = svc.card_balance(session, card_no=card_no)
        rows = svc.ledger(session, card_no=card_no, limit=limit)
    if as_json:
        return typer.echo(json.dumps({"card_no": card_no, "balance_fen": balance, "ledger": [r.model_dump(mode="json") for r in rows]},
                                     ensure_ascii=False, indent=2))
    typer.echo(f"{card_no} 余额 / balance {fen_to_yuan(balance)} 元")
    for r in rows:
        typer.echo(f"  {r.occurred_at:%Y-%m-%d %H:%M}  {r.kind.value:<10} {fen_to_yuan(r.amount_fen):>12}  {r.category.value if r.category else '':<6} {r.note or ''}")


@month_app.command("rebates")
def month_rebates(month: Annotated[str, typer.Option(help="YYYY-MM")], as_json: JsonOpt = False) -> None:
    """Pay government units' monthly rebates into their sub-cards (idempotent)."""
    with _session() as session:
        rows = svc.run_month_end_rebates(session, month=month)
    if as_json:
        return _print(rows, True)
    for r in rows:
        typer.echo(f"{r.customer_name}: {fen_to_yuan(r.rebate_fen)} 元 → {r.sub_card_no or '-'} [{r.status}]")
    typer.echo(f"{len(rows)} customer(s)")


@month_app.command("commission")
def month_commission(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    settle: Annotated[bool, typer.Option(help="record the settlement (once per month)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Staff sales commission report (1.5% of 10,000 cards, 2% of 20,000 cards)."""
    with _session() as session:
        rows = svc.commission_report(session, month=month, settle=settle)
    if as_json:
        return _print(rows, True)
    for r in rows:
        typer.echo(f"{r.staff_code} {r.staff_name}: 1万×{r.cards_10k} 2万×{r.cards_20k} 销售 {fen_to_yuan(r.sales_fen)} "
                   f"提成 {fen_to_yuan(r.commission_fen)}{' (已结算)' if r.settled else ''}")


@crm_app.command("birthdays")
def birthdays_cmd(
    start: Annotated[Optional[datetime], typer.Option("--from", formats=["%Y-%m-%d"], help="first day (default today)")] = None,
    days: int = 7,
    all_customers: Annotated[bool, typer.Option("--all", help="not only VIP card holders")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Birthday bouquets (80 yuan) due in the coming days."""
    first = start.date() if start else svc.local_now().date()
    with _session() as session:
        rows = svc.birthday_due(session, start=first, days=days, vip_only=not all_customers)
    if as_json:
        return _print(rows, True)
    for r in rows:
        typer.echo(f"{r.birthday:%m-%d} {r.name} {r.company or ''} {r.phone or ''} 鲜花 {fen_to_yuan(r.flowers_value_fen)} 元{' ✓' if r.sent else ''}")


@crm_app.command("demo")
def demo_cmd() -> None:
    """Load the demo customers, staff and cards (idempotent)."""
    with _session() as session:
        summary = load_demo(session)
    typer.echo(f"demo: {summary.customers_created} customers created, {summary.customers_existing} already there, "
               f"{summary.staff_created} staff created")
