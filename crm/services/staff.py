"""Staff: salespeople, service agents and finance clerks."""

from __future__ import annotations

from sqlmodel import Session, select

from crm import errors
from crm.models import (
    Staff,
    StaffCreate,
    StaffRole,
)


def create_staff(session: Session, *, staff_in: StaffCreate) -> Staff:
    """Add a salesperson, service agent or finance clerk (``code`` is unique)."""
    if session.exec(select(Staff).where(Staff.code == staff_in.code)).first():
        raise errors.InvalidValue(f"员工工号重复：{staff_in.code}", f"duplicate staff code: {staff_in.code}")
    staff = Staff.model_validate(staff_in)
    session.add(staff)
    session.flush()
    return staff


def get_staff(session: Session, *, ref: int | str) -> Staff:
    """A staff member by id or by work number (code)."""
    staff = session.get(Staff, ref) if isinstance(ref, int) else None
    if staff is None:
        staff = session.exec(select(Staff).where(Staff.code == str(ref))).first()
    if staff is None:
        raise errors.StaffNotFound(ref)
    return staff


def list_staff(session: Session, *, role: StaffRole | None = None) -> list[Staff]:
    stmt = select(Staff).order_by(Staff.code)
    if role is not None:
        stmt = stmt.where(Staff.role == role)
    return list(session.exec(stmt))
