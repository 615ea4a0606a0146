from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from qa_engine.api.deps import AnyUser, SessionDep, own_agent_filter
from qa_engine.api.schemas import RuleFails, Scorecard, TrendPoint
from qa_engine.api.services import scorecards as svc

router = APIRouter(tags=["scorecards"])


@router.get("/scorecards/daily", response_model=Scorecard)
def daily(session: SessionDep, user: AnyUser, day: date, agent_id: str | None = None):
    """Per agent for one day: calls, average and lowest score, failures per rule, hold time, dead air,
    average handle time; team totals; agents ranked by average score. Agents get their own row only."""
    return svc.scorecard(session, date_from=day, agent_id=own_agent_filter(user, agent_id))


@router.get("/scorecards/range", response_model=Scorecard)
def date_range(session: SessionDep, user: AnyUser, date_from: date, date_to: date, agent_id: str | None = None):
    return svc.scorecard(session, date_from=date_from, date_to=date_to, agent_id=own_agent_filter(user, agent_id))


@router.get("/scorecards/weekly", response_model=list[TrendPoint])
def weekly(session: SessionDep, user: AnyUser, end: date, weeks: Annotated[int, Query(ge=1, le=104)] = 8,
           agent_id: str | None = None):
    """Weekly trend of calls and average score per agent and for the team (agent '*')."""
    return svc.weekly_trends(session, end=end, weeks=weeks, agent_id=own_agent_filter(user, agent_id))


@router.get("/scorecards/rules", response_model=list[RuleFails])
def rules(session: SessionDep, user: AnyUser, date_from: date, date_to: date, agent_id: str | None = None,
          limit: Annotated[int, Query(ge=1, le=100)] = 10):
    """The most-failed rules in a date range."""
    return svc.most_failed_rules(session, date_from=date_from, date_to=date_to,
                                 agent_id=own_agent_filter(user, agent_id), limit=limit)


@router.get("/scorecards/daily/export")
def export(session: SessionDep, user: AnyUser, day: date, format: Literal["csv", "xlsx"] = "csv",
           agent_id: str | None = None) -> Response:
    """The day's scorecard as CSV or Excel."""
    card = svc.scorecard(session, date_from=day, agent_id=own_agent_filter(user, agent_id))
    name = f"scorecard-{day}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(svc.export_csv(card), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(svc.export_xlsx(card), headers=headers,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
