from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, HTTPException, Query, Request, UploadFile, status
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from qa_engine import bleep, pii, policy, retention
from qa_engine.api.call_schemas import CallDetail
from qa_engine.api.deps import (AnyUser, Uploader, SessionDep, SettingsDep, own_agent_filter, require,
                                visible_call)
from qa_engine.api.schemas import CallPage, JobPublic
from qa_engine.api.services import uploads
from qa_engine.api.services.calls import CallFilters, call_detail, list_calls, pii_audio_spans
from qa_engine.api.services.corrections import reconcile_upload
from qa_engine.api.services.review import audit
from qa_engine.callrecord import parse_call_record
from qa_engine.errors import CallRecordError
from qa_engine.storage import search
from qa_engine.storage.app_models import UploadJob, User
from qa_engine.storage.repository import ConflictError

router = APIRouter(tags=["calls"])

AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".aac": "audio/aac",
               ".flac": "audio/flac", ".ogg": "audio/ogg", ".opus": "audio/ogg"}


NUMBER_FILTER_REFUSED = ("filtering calls by customer_number needs the pii.read permission: "
                         "your role sees caller numbers masked")


@router.get("/calls", response_model=CallPage)
def calls(session: SessionDep, user: AnyUser,
          date_from: date | None = None, date_to: date | None = None, agent_id: str | None = None,
          direction: str | None = None, score_min: float | None = None, score_max: float | None = None,
          rule_id: str | None = None, outcome: str | None = None, review_status: str | None = None,
          status_: Annotated[str | None, Query(alias="status")] = None, customer_number: str | None = None,
          scoring: Literal["scored", "unscored", "no_agent_speech", "unanswered", "not_scorable"] | None = None,
          rereview: bool | None = None,
          q: Annotated[str | None, Query(description="words said in the call: 2-50 letters or digits, e.g. 退款 or "
                                                      "a customer's name; matching utterances come back as hits")] = None,
          order: Annotated[Literal["queue", "-started_at", "started_at", "score", "-score"], Query()] = "-started_at",
          page: Annotated[int, Query(ge=1, le=1_000_000)] = 1, page_size: Annotated[int, Query(ge=1, le=500)] = 50):
    """Calls matching the filters, one page at a time. ``order=queue`` puts the worst calls first and the
    calls the engine did not score (``scoring`` other than ``scored``: no conversation, not scorable) in a
    group of their own after them; ``scoring=unscored`` lists that group alone.

    ``q`` searches the transcripts (any 2+ characters, Chinese without spaces included) together with
    the other filters; each call then lists its matching utterances (speaker, start, end, snippet with
    the hits' offsets). Roles without ``pii.read`` search and see the redacted text: a hidden digit of
    a phone or card number never matches."""
    filters = CallFilters(date_from=date_from, date_to=date_to, agent_id=own_agent_filter(user, agent_id),
                          direction=direction, score_min=score_min, score_max=score_max, rule_id=rule_id,
                          outcome=outcome, review_status=review_status, status=status_, customer_number=customer_number,
                          scoring=scoring, rereview=rereview, q=q)
    pii_read = policy.allows(user.role, policy.PII_READ)
    if customer_number and not pii_read:
        # Matching a full number against masked rows would confirm the hidden digits, one guess at a time.
        raise HTTPException(status.HTTP_403_FORBIDDEN, NUMBER_FILTER_REFUSED)
    try:
        items, total = list_calls(session, filters=filters, page=page, page_size=page_size, order=order,
                                  pii_read=pii_read)
    except search.SearchQueryError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    if not pii_read:
        items = [pii.redact_call_item(item) for item in items]
    return CallPage(items=items, total=total, page=page, page_size=page_size)


# exclude_unset: the list item's search-only fields (hits, hit_count) stay out of the detail.
@router.get("/calls/{call_id}", response_model=CallDetail, response_model_exclude_unset=True)
def call(session: SessionDep, user: AnyUser, call_id: str, ruleset_version: str | None = None,
         analysis_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> dict:
    """Call record, transcript, metrics, findings with evidence and verdicts, scores, CRM panel link.
    ``analysis_id`` (or ``ruleset_version``) shows an earlier analysis with the verdicts given on it.
    Phone, ID-card and card numbers are masked for roles without ``pii.read`` (agents, trainers)."""
    detail = call_detail(session, call=visible_call(session, user, call_id), ruleset_version=ruleset_version,
                         analysis_id=analysis_id)
    if (ruleset_version is not None or analysis_id is not None) and detail["analysis"] is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no analysis {analysis_id or ''} with ruleset {ruleset_version}")
    return detail if policy.allows(user.role, policy.PII_READ) else pii.redact_call_detail(detail)


@router.get("/calls/{call_id}/audio", response_class=FileResponse,
            responses={206: {"description": "the requested byte range"}})
def audio(session: SessionDep, settings: SettingsDep, user: AnyUser, call_id: str):
    """The recording; honours HTTP ``Range`` requests (206 Partial Content) so players can seek. For
    roles without ``pii.read`` the stretches where a phone, ID-card or card number is spoken are
    replaced by a 1 kHz tone (then a whole WAV, without ranges)."""
    call = visible_call(session, user, call_id)
    path = Path(call.source_path)
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the recording is no longer on disk")
    spans = [] if policy.allows(user.role, policy.PII_READ) else pii_audio_spans(session, call=call)
    if spans:
        return Response(bleep.bleeped_wav(path, spans, settings), media_type="audio/wav")
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))


class LegalHoldIn(BaseModel):
    hold: bool = Field(description="true: retention never purges the call; false: release it")
    reason: str = Field("", max_length=500, description="kept in the audit history")


class LegalHoldOut(BaseModel):
    call_id: str
    legal_hold: bool = Field(description="the call's hold now: true, retention never purges it")


HoldSetter = Annotated[User, Depends(require(policy.LEGAL_HOLD))]


@router.put("/calls/{call_id}/legal-hold", response_model=LegalHoldOut)
def legal_hold(session: SessionDep, user: HoldSetter, call_id: str, body: LegalHoldIn) -> dict:
    """Put a call on legal hold or release it (inspectors, supervisors); audited."""
    call = retention.set_legal_hold(session, call=visible_call(session, user, call_id), hold=body.hold,
                                    username=user.username, reason=body.reason)
    session.commit()
    return {"call_id": call.call_id, "legal_hold": call.legal_hold}


@router.post("/calls/upload", response_model=JobPublic, status_code=202)
def upload(request: Request, session: SessionDep, settings: SettingsDep, user: Uploader, background: BackgroundTasks,
           file: Annotated[UploadFile, File(description="the recording")],
           record: Annotated[str | None, Form(description="the call record (CDR) as JSON")] = None,
           correction: Annotated[bool, Form(description="correct the call record of a recording stored before")] = False):
    """Store the recording and its call record; it is analysed in the background (poll the job).

    A recording stored before that comes with another call record (call id or agent) is refused (409),
    unless ``correction`` is true: then the stored call takes the new record, audited as ``call.correct``."""
    data = parsed = None
    if record:
        try:
            data = json.loads(record)
            parsed = parse_call_record(data, "record").contract()
        except (json.JSONDecodeError, CallRecordError) as exc:
            raise HTTPException(422, f"call record: {exc}") from exc
    job_id = uploads.new_job_id()
    try:
        path = uploads.save_upload(settings, job_id=job_id, filename=file.filename or "", data=file.file, record=data)
    except uploads.UploadError as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    try:
        stored = reconcile_upload(session, path=path, filename=file.filename or path.name, record=parsed,
                                  correction=correction, username=user.username)
    except ConflictError as exc:
        uploads.discard_upload(settings, job_id)  # a refused upload leaves nothing behind
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    job = uploads.create_job(session, job_id=job_id, path=path, username=user.username,
                             call_id=data.get("call_id") if data else None)
    audit(session, username=user.username, action="call.upload", entity="job", entity_id=job_id,
          call_pk=stored.id if stored else None,
          detail={"filename": file.filename, "record": parsed, "stored_call": stored.call_id if stored else None})
    session.commit()
    background.add_task(uploads.run_job, settings, job_id, request.app.state.analyzer, request.app.state.saver)
    return job


@router.post("/calls/{call_id}/reanalyse", response_model=JobPublic, status_code=202)
def reanalyse(request: Request, session: SessionDep, settings: SettingsDep, user: Uploader, call_id: str,
              background: BackgroundTasks):
    """Analyse the recording again with the current ruleset; results of older rulesets are kept."""
    call = visible_call(session, user, call_id)
    if not Path(call.source_path).is_file():
        raise HTTPException(status.HTTP_409_CONFLICT, "the recording is no longer on disk")
    job = uploads.create_job(session, job_id=uploads.new_job_id(), path=Path(call.source_path),
                             username=user.username, kind="reanalyse", call_id=call.call_id)
    audit(session, username=user.username, action="call.reanalyse", entity="call", entity_id=call.call_id,
          call_pk=call.id, detail={"job": job.id})
    session.commit()
    background.add_task(uploads.run_job, settings, job.id, request.app.state.analyzer, request.app.state.saver)
    return job


@router.get("/jobs/{job_id}", response_model=JobPublic)
def job(session: SessionDep, _user: Uploader, job_id: str):
    row = session.get(UploadJob, job_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id}")
    return row
