"""The one way money moves: a ledger entry and its account's balance change together, race-free.

Check and move are one conditional ``UPDATE … WHERE balance_fen + amount >= 0 RETURNING balance_fen``:
the database applies it to the newest committed balance under its write lock (SQLite) or row lock
(PostgreSQL re-checks the WHERE after waiting), so two concurrent spends can never both pass the
balance check, on either database. A read-then-insert, even after ``SELECT … FOR UPDATE``, is not
safe on SQLite, which ignores row locks.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crm import errors
from crm.models import CardAccount, LedgerEntry

_ACCOUNT = CardAccount.__table__


def account_balance(session: Session, account_id: int) -> int:
    """The account's committed (or this transaction's) balance in fen, read from the database."""
    return session.execute(select(_ACCOUNT.c.balance_fen).where(_ACCOUNT.c.id == account_id)).scalar_one()


def post_entry(session: Session, entry: LedgerEntry, *, card_no: str) -> LedgerEntry:
    """Add ``entry`` and move its account's balance by ``entry.amount_fen``.

    Refused with :class:`~crm.errors.InsufficientBalance` (nothing written) when the balance would go
    below zero; ``entry.balance_after_fen`` is the balance once it is posted.
    """
    session.flush()  # the account may have been added in this unit of work
    if account_balance(session, entry.account_id) + entry.amount_fen < 0:
        # Refused before the UPDATE too: an amount beyond any balance may not even fit the column.
        _refuse(session, entry, card_no)
    moved = session.execute(
        update(_ACCOUNT)
        .where(_ACCOUNT.c.id == entry.account_id, _ACCOUNT.c.balance_fen + entry.amount_fen >= 0)
        .values(balance_fen=_ACCOUNT.c.balance_fen + entry.amount_fen)
        .returning(_ACCOUNT.c.balance_fen)
    ).scalar_one_or_none()
    if moved is None:  # a concurrent spend got there first
        _refuse(session, entry, card_no)
    _sync_loaded_account(session, entry.account_id, moved)
    entry.balance_after_fen = moved
    session.add(entry)
    session.flush()
    return entry


def _refuse(session: Session, entry: LedgerEntry, card_no: str) -> None:
    raise errors.InsufficientBalance(card_no, account_balance(session, entry.account_id), -entry.amount_fen)


def _sync_loaded_account(session: Session, account_id: int, balance_fen: int) -> None:
    # The UPDATE bypassed the ORM: an account object already in the session would show the old balance.
    loaded = session.identity_map.get(session.identity_key(CardAccount, account_id))
    if loaded is not None:
        set_committed_value(loaded, "balance_fen", balance_fen)
