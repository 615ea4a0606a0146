"""A stored recording uploaded again: the same call record passes, another one (another call id or
agent) is refused, unless the uploader asks for a correction, which is applied and audited."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from qa_engine.audio import content_hash
from qa_engine.storage.audit import audit
from qa_engine.storage.models import Call, utcnow
from qa_engine.storage.repository import ConflictError, call_by_call_id, call_by_hash, identity, record_mismatch


def reconcile_upload(session: Session, *, path: Path, filename: str, record: dict | None, correction: bool,
                     username: str) -> Call | None:
    """The stored call this upload is a copy of (None when new). Raises ``RecordMismatchError`` when
    its record names another call or agent and ``correction`` is false, ``ConflictError`` when the
    corrected call id belongs to another recording; nothing is changed then."""
    stored = call_by_hash(session, content_hash(path))
    if stored is None or stored.status != "analysed" or record is None:
        return stored
    new = identity(record.get("call_id"), record.get("agent_id"))
    if new == identity(stored.call_id, stored.agent_id):
        return stored
    if not correction:
        raise record_mismatch(filename, stored, new)
    holder = call_by_call_id(session, new["call_id"])
    if holder is not None and holder.id != stored.id:
        raise ConflictError(f"{filename}: call id {new['call_id']} already belongs to another recording ({holder.source_path})")
    _correct(session, stored, record, filename=filename, username=username)
    return stored


def _correct(session: Session, call: Call, record: dict, *, filename: str, username: str) -> None:
    old = {"call_id": call.call_id, "agent_id": call.agent_id, "record": call.record}
    audit(session, username=username, action="call.correct", entity="call", entity_id=call.call_id, call_pk=call.id,
          detail={"file": filename, "old": old, "new": {"call_id": record["call_id"], "agent_id": record.get("agent_id"),
                                                          "record": record}})
    call.call_id, call.agent_id, call.record, call.updated_at = record["call_id"], record.get("agent_id"), record, utcnow()
    session.add(call)
    session.flush()
