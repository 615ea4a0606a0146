"""The typed CRM panel (``qa_engine.api.crm_schemas.CustomerPanel``) mirrors ``crm.schemas.CustomerPanel``
and answers exactly what the CRM service builds; the detail routes document their response schemas."""

from __future__ import annotations

import json
import typing
from enum import Enum

from pydantic import BaseModel

from crm.schemas import CustomerPanel as CrmPanel
from qa_engine.api import crm_schemas
from qa_engine.api.demo import DEMO_PHONE, seed_crm_customer
from qa_engine.api.services import crm_panel as svc
from qa_engine.storage.db import session_scope


def _inner(annotation) -> list:
    """The types inside an annotation: ``list[X] | None`` → [X, NoneType]."""
    args = typing.get_args(annotation)
    return [t for a in args for t in _inner(a)] if args else [annotation]


def _model(annotation) -> type[BaseModel] | None:
    return next((t for t in _inner(annotation) if isinstance(t, type) and issubclass(t, BaseModel)), None)


def _values(annotation) -> set[str] | None:
    """An enum's values, or a Literal's; None for any other type."""
    enum = next((t for t in _inner(annotation) if isinstance(t, type) and issubclass(t, Enum)), None)
    if enum is not None:
        return {m.value for m in enum}
    return set(_literal_args(annotation)) or None


def _literal_args(annotation) -> tuple:
    if typing.get_origin(annotation) is typing.Literal:
        return typing.get_args(annotation)
    return tuple(a for t in typing.get_args(annotation) for a in _literal_args(t))


def _drift(crm_model: type[BaseModel], qa_model: type[BaseModel], where: str) -> list[str]:
    """Fields of the CRM model missing from the QA model, or whose enum's values the QA model does not
    list exactly, recursively."""
    problems = []
    for name, field in crm_model.model_fields.items():
        qa_field = qa_model.model_fields.get(name)
        if qa_field is None:
            problems.append(f"{where}.{name} missing")
            continue
        if _values(field.annotation) not in (None, _values(qa_field.annotation)):
            problems.append(f"{where}.{name}: {_values(field.annotation)} != {_values(qa_field.annotation)}")
        nested = _model(field.annotation)
        if nested is not None:
            problems += _drift(nested, _model(qa_field.annotation), f"{where}.{name}")
    return problems


def test_the_qa_side_panel_has_every_field_of_the_crm_panel():
    from crm.models import VoucherKind

    assert _drift(CrmPanel, crm_schemas.CustomerPanel, "CustomerPanel") == []
    # crm's VoucherPublic.kind is a plain str filled with VoucherKind values; the QA side lists them.
    assert _values(crm_schemas.VoucherPublic.model_fields["kind"].annotation) == _values(VoucherKind)


def test_the_drift_check_can_fail():
    class Short(BaseModel):
        phone: str

    assert "CustomerPanel.customer missing" in _drift(CrmPanel, Short, "CustomerPanel")


def _seed_full_panel(session) -> int:
    """The demo customer with every list of the panel filled: open feedback, a note, a service agent."""
    from crm import services as crm
    from crm.models import StaffCreate, StaffRole

    customer_id = seed_crm_customer(session)
    agent = crm.create_staff(session, staff_in=StaffCreate(code="S-VIP", name="周客服", role=StaffRole.service_agent,
                                                           phone="13900001111"))
    crm.assign_service_agent(session, customer_id=customer_id, staff_ref=agent.id)
    crm.add_customer_note(session, customer_id=customer_id, text="喜欢高楼层安静房间", kind="preference", staff_ref=agent.id)
    crm.file_feedback(session, kind="complaint", content="退房排队太久", source="call", category="front_desk",
                      customer_id=customer_id, source_call_id="C1")
    return customer_id


def test_the_typed_panel_is_the_service_panel(client, login, db):
    with session_scope(db) as session:
        _seed_full_panel(session)
    with session_scope(db) as session:
        raw = svc.customer_panel(session, phone=DEMO_PHONE)  # what both routes answered before they were typed
    assert all(raw[k] for k in ("cards", "recent_ledger", "open_feedback", "recent_contacts", "service_agent",
                                "recent_notes", "unredeemed_vouchers"))
    h = login("inspector")
    by_call = client.get("/api/crm/customers/by-call/C1", headers=h)
    lookup = client.post("/api/crm/customers/lookup", json={"phone": DEMO_PHONE}, headers=h)
    assert by_call.status_code == lookup.status_code == 200, by_call.text + lookup.text
    assert by_call.json() == raw and lookup.json() == raw
    assert by_call.text == lookup.text == json.dumps(raw, ensure_ascii=False, separators=(",", ":"))  # key order too


def test_the_detail_routes_document_their_response_schema(client):
    paths = client.app.openapi()["paths"]
    for path, method, name in (("/api/crm/customers/by-call/{call_id}", "get", "CustomerPanel"),
                               ("/api/crm/customers/lookup", "post", "CustomerPanel"),
                               ("/api/calls/{call_id}/legal-hold", "put", "LegalHoldOut")):
        schema = paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema.get("$ref", "").endswith(f"/{name}"), (path, schema)
