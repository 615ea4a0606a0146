"""A real SQLite database per test, with CRM tables, two salespeople, an agent and finance."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, func
from sqlmodel import Session, create_engine, select

from crm import services as svc
from crm.db import crm_tables, init_crm
from crm.models import CustomerCreate, CustomerKind, Gender, StaffCreate, StaffRole


def _fast_pragmas(dbapi_conn, _record) -> None:
    # A throwaway test database need not survive a power cut: skipping fsync keeps the suite fast.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=OFF")
    cur.execute("PRAGMA journal_mode=MEMORY")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@pytest.fixture
def engine(tmp_path):
    eng = create_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    event.listen(eng, "connect", _fast_pragmas)
    init_crm(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        for code, name, role in [("S01", "孙丽", StaffRole.sales), ("S02", "周强", StaffRole.sales),
                                 ("A01", "吴芳", StaffRole.service_agent), ("F01", "钱红", StaffRole.finance)]:
            svc.create_staff(s, staff_in=StaffCreate(code=code, name=name, role=role))
        s.commit()
        yield s


def make_buyer(session, *, name="王建国", phone="13900001234", kind=CustomerKind.member, **extra):
    """A customer with every field the VIP registration needs."""
    fields = dict(kind=kind, name=name, company="贵阳筑城建材有限公司", address="贵阳市观山湖区长岭北路 88 号",
                  gender=Gender.male, birth_date=date(1975, 11, 26), phones=[phone])
    if kind in (CustomerKind.government, CustomerKind.business_agreement):
        fields.update(contact_person="刘洋", company=None)
    fields.update(extra)
    return svc.create_customer(session, customer_in=CustomerCreate(**fields), at=datetime(2026, 9, 1))


def row_counts(session) -> dict[str, int]:
    """Rows per CRM table, to show that a refused operation wrote nothing."""
    session.flush()
    return {t.name: session.exec(select(func.count()).select_from(t)).one() for t in crm_tables()}


@pytest.fixture
def buyer(session):
    c = make_buyer(session)
    session.commit()
    return c


@pytest.fixture
def sold_card(session, buyer):
    """A 20,000-yuan card sold to the buyer on 2026-10-08; returns its number."""
    svc.draw_cards(session, salesperson_ref="S01", face_value_yuan=20_000, at=datetime(2026, 10, 5))
    sale = svc.sell_card(session, customer_id=buyer.id, salesperson_ref="S01", face_value_yuan=20_000, at=datetime(2026, 10, 8, 15))
    session.commit()
    return sale.card_nos[0]


@pytest.fixture(name="make_buyer")
def make_buyer_fixture():
    return make_buyer


@pytest.fixture(name="row_counts")
def row_counts_fixture():
    return row_counts
