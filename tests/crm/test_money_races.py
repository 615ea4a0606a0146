"""Many simultaneous spends, sales and voucher redemptions, from threads and from separate processes,
on a SQLite file database and on PostgreSQL: no card goes below zero, the ledger adds up to the
balance, a card is sold once and a voucher redeemed once; the losers get the CRM's own refusals."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlmodel import col, select

from crm import services as svc
from crm.models import Card, CardAccount, CustomerCreate, CustomerKind, EntryKind, Gender, LedgerEntry, StaffCreate, StaffRole
from qa_engine.config import Settings
from qa_engine.storage.db import session_scope
from qa_engine.storage.schema import init_db
from tests.crm import race_workers
from tests.pg_private import postgres_url  # noqa: F401 - the fixture

WORKERS = 4
SPENDS = 16  # 16 × 3,000 yuan against a 20,000-yuan card: exactly 6 can be paid
RACE_CARD = "VIP-RACE-01"


@pytest.fixture
def sqlite_url(tmp_path):
    return Settings(data_dir=tmp_path).db_url


def _seed(url: str) -> tuple[str, str, int]:
    """A sold 20,000-yuan card, one drawn unsold card and the sale's vouchers; (card, voucher, buyer id)."""
    settings = Settings(database_url=url)
    init_db(settings)
    with session_scope(settings) as s:
        svc.create_staff(s, staff_in=StaffCreate(code="S01", name="孙丽", role=StaffRole.sales))
        buyer = svc.create_customer(s, customer_in=CustomerCreate(
            kind=CustomerKind.member, name="王建国", company="贵阳筑城建材有限公司", address="贵阳市观山湖区长岭北路 88 号",
            gender=Gender.male, birth_date=datetime(1975, 11, 26).date(), phones=["13900001234"]))
        svc.draw_cards(s, salesperson_ref="S01", face_value_yuan=20_000, count=1)
        sale = svc.sell_card(s, customer_id=buyer.id, salesperson_ref="S01", face_value_yuan=20_000)
        svc.draw_cards(s, salesperson_ref="S01", face_value_yuan=10_000, card_nos=[RACE_CARD])
        return sale.card_nos[0], sale.vouchers[0], buyer.id


def _jobs(card: str, voucher: str) -> list[list[tuple[str, str]]]:
    """Each worker's operations, interleaved so spends, sales and redemptions overlap."""
    ops = [("spend", card)] * SPENDS + [("sell", RACE_CARD)] * WORKERS + [("redeem", voucher)] * WORKERS
    return [ops[i::WORKERS] for i in range(WORKERS)]


def _race_threads(url: str, jobs, buyer_id: int) -> list[tuple[str, str]]:
    barrier = threading.Barrier(WORKERS)
    with ThreadPoolExecutor(WORKERS) as pool:
        batches = pool.map(lambda j: race_workers.run_batch(url, j, buyer_id, barrier), jobs)
        return [outcome for batch in batches for outcome in batch]


def _race_processes(url: str, jobs, buyer_id: int) -> list[tuple[str, str]]:
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no engine or connection crosses a fork
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=race_workers.process_main, args=(url, j, buyer_id, barrier, results)) for j in jobs]
    for p in procs:
        p.start()
    outcomes = [outcome for _ in procs for outcome in results.get(timeout=120)]
    for p in procs:
        p.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("race", [_race_threads, _race_processes], ids=["threads", "processes"])
@pytest.mark.parametrize("database", ["sqlite_url", "postgres_url"])
def test_concurrent_money_moves_never_overdraw_double_sell_or_double_redeem(request, database, race):
    url = request.getfixturevalue(database)
    card, voucher, buyer_id = _seed(url)
    outcomes = race(url, _jobs(card, voucher), buyer_id)

    by_op = {op: sorted(o for kind, o in outcomes if kind == op) for op in ("spend", "sell", "redeem")}
    assert by_op["spend"] == ["insufficient_balance"] * (SPENDS - 6) + ["ok"] * 6
    assert by_op["sell"] == ["card_not_drawn"] * (WORKERS - 1) + ["ok"]
    assert by_op["redeem"] == ["ok"] + ["voucher_already_redeemed"] * (WORKERS - 1)

    with session_scope(Settings(database_url=url)) as s:
        account = s.exec(select(CardAccount).join(Card, col(Card.account_id) == col(CardAccount.id)).where(Card.card_no == card)).one()
        entries = s.exec(select(LedgerEntry).where(LedgerEntry.account_id == account.id).order_by(LedgerEntry.id)).all()
        assert account.balance_fen == svc.card_balance(s, card_no=card) == 2_000_000 - 6 * race_workers.SPEND_FEN
        assert sum(e.amount_fen for e in entries) == account.balance_fen
        # Each posting started from the one before: the running balance, never below zero.
        running = [sum(e.amount_fen for e in entries[: i + 1]) for i in range(len(entries))]
        assert [e.balance_after_fen for e in entries] == running and min(running) >= 0
        race_purchases = s.exec(select(LedgerEntry).join(Card, col(Card.id) == col(LedgerEntry.card_id))
                                .where(Card.card_no == RACE_CARD, LedgerEntry.kind == EntryKind.purchase)).all()
        assert len(race_purchases) == 1
        assert s.exec(select(Card).where(Card.card_no == RACE_CARD)).one().account_id == race_purchases[0].account_id
