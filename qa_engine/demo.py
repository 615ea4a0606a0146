"""The end-to-end demo: analyse the demo calls, load the demo CRM, create demo users and a
coaching session from a real demo call, then serve the API and the dashboard."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from qa_engine.config import REPO_ROOT, Settings
from qa_engine.ingest import IngestSummary, find_recordings, ingest_files
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Agent
from qa_engine.storage.schema import init_db

DEMO_CALLS = REPO_ROOT / "audio_samples"

# The call-center staff who appear in the demo calls (work number, name, team).
DEMO_AGENTS = (("108", "孙丽", "一组"), ("215", "周婷", "一组"), ("306", "吴刚", "二组"), ("027", "郑华", "二组"))


def prepare_demo(settings: Settings, *, folder: Path = DEMO_CALLS,
                 on_progress: Callable[[Path], None] | None = None) -> tuple[IngestSummary, list[tuple[str, str, str]]]:
    """Everything before serving; safe to run again (stored calls are skipped)."""
    from crm.demo import load_demo
    from qa_engine.api.services.users import ensure_demo_users

    init_db(settings)
    summary = ingest_files(find_recordings(folder), settings, on_progress=on_progress)
    with session_scope(settings) as session:
        _ensure_agents(session)
        load_demo(session)
        logins = ensure_demo_users(session)
    with session_scope(settings) as session:
        _ensure_coaching(session, folder)
    return summary, logins


def _ensure_agents(session) -> None:
    for agent_id, name, team in DEMO_AGENTS:
        row = session.get(Agent, agent_id) or Agent(agent_id=agent_id)
        row.name, row.team = name, team
        session.add(row)


def _ensure_coaching(session, folder: Path) -> None:
    """One coaching session on hold etiquette, built from the demo call with an unannounced hold."""
    from qa_engine.api.services.coaching import CoachingSessionCreate, create_session
    from qa_engine.storage.app_models import CoachingMomentBase, CoachingSession

    if session.exec(select(CoachingSession.id)).first() is not None:
        return
    moments = []
    for ref in sorted(folder.glob("*.ref.json")):
        data = json.loads(ref.read_text(encoding="utf-8"))
        if any(v["rule_id"] == "hold.notice" for v in data.get("violations", [])):
            hold = data["truth"]["holds"][0]
            moments.append(CoachingMomentBase(call_id=data["call_id"], start=max(hold["start"] - 8, 0), end=hold["end"] + 6,
                                              note="保持前未说明原因、未征得同意、未告知时长；保持后未致谢"))
    create_session(session, username="trainer", data=CoachingSessionCreate(
        title="保持规范：说明原因、征得同意、告知时长、回来致谢", target_rule="hold.notice",
        notes="依据第26条4、第23条10–11、第24条13：每次让客户等待前说明原因、征得同意并告知大约时长；回来后先致谢。",
        moments=moments, agent_ids=[a for a, _n, _t in DEMO_AGENTS]))


def serve(settings: Settings, *, api_port: int = 8000, dashboard_port: int = 8501, host: str = "127.0.0.1") -> None:
    """Start the API and the dashboard: with ``QA_SECRET_KEY`` when it is set, else with the demo's
    own generated key (never the built-in one)."""
    from qa_engine.api.serve import demo_secret_key, serve_all
    from qa_engine.config import BUILTIN_SECRET_KEY

    if settings.secret_key == BUILTIN_SECRET_KEY:
        settings = settings.model_copy(update={"secret_key": demo_secret_key(settings)})
    os.environ["QA_DEMO_LOGINS_HINT"] = "1"  # the servers inherit it: the login page names the demo accounts
    serve_all(settings, api_port=api_port, dashboard_port=dashboard_port, host=host)
