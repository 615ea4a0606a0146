"""Money operations run by many threads or processes at once (importable, so spawned processes find them)."""

from __future__ import annotations

from crm import services as svc
from crm.errors import CrmError
from qa_engine.config import Settings
from qa_engine.storage.db import session_scope

SPEND_FEN = 300_000


def attempt(db_url: str, op: str, target: str, buyer_id: int) -> str:
    """One operation in its own transaction: ``"ok"`` or the CRM error code that refused it."""
    try:
        with session_scope(Settings(database_url=db_url)) as session:
            if op == "spend":
                svc.spend(session, card_no=target, amount_fen=SPEND_FEN, category="dining")
            elif op == "sell":
                svc.sell_card(session, customer_id=buyer_id, salesperson_ref="S01", card_no=target, gifts=False)
            else:
                svc.redeem_voucher(session, code=target)
        return "ok"
    except CrmError as exc:
        return exc.code


def run_batch(db_url: str, jobs: list[tuple[str, str]], buyer_id: int, barrier) -> list[tuple[str, str]]:
    """Wait for every worker at ``barrier`` (so they race), then run ``jobs`` in order: (op, outcome) each."""
    barrier.wait(timeout=120)
    return [(op, attempt(db_url, op, target, buyer_id)) for op, target in jobs]


def process_main(db_url: str, jobs: list[tuple[str, str]], buyer_id: int, barrier, results) -> None:
    """Entry point of one spawned process: its outcomes go to the ``results`` queue (an unexpected
    error as well, so the test fails at once instead of waiting for a result that never comes)."""
    try:
        results.put(run_batch(db_url, jobs, buyer_id, barrier))
    except Exception as exc:  # noqa: BLE001 - reported to the test process
        results.put([("error", repr(exc))])
