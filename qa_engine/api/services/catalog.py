"""Names for what the service shows by id: rule titles and scorecard sections (from the rule files),
agents' names and teams (table ``agents``), and the ruleset that scored an analysis."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlmodel import Session, select

from qa_engine.config import get_settings
from qa_engine.storage.models import Agent

log = logging.getLogger(__name__)


def _rules_dir() -> Path:
    return Path(get_settings().rules_dir)


def current_ruleset():
    """The ruleset in ``Settings.rules_dir`` (cached by the loader until a file changes), or None
    when it cannot be loaded (the names then fall back to the ids)."""
    try:
        from qa_engine.rules import load_ruleset

        return load_ruleset(_rules_dir())
    except Exception:  # noqa: BLE001 - names are a nicety; a broken rules folder must not break pages
        log.warning("rules in %s could not be loaded", _rules_dir(), exc_info=True)
        return None


def ruleset_for(version: str | None):
    """The ruleset of ``version``: the current one when it has that version, else an archived copy
    (``<rules_dir>/../rulesets/<version>/`` or ``<data_dir>/rulesets/<version>/``) when one loads,
    else the current one."""
    current = current_ruleset()
    if version is None or (current is not None and current.version == version):
        return current
    from qa_engine.rules import load_ruleset

    for folder in (_rules_dir().parent / "rulesets" / version, Path(get_settings().data_dir) / "rulesets" / version):
        if folder.is_dir():
            try:
                return load_ruleset(folder)
            except Exception:  # noqa: BLE001
                log.warning("archived ruleset %s could not be loaded", folder, exc_info=True)
    return current


def rule_titles() -> dict[str, dict[str, str]]:
    """rule id → {"zh": 中文标题, "en": English title} for every rule of the current ruleset."""
    rs = current_ruleset()
    return {} if rs is None else {r.id: {"zh": r.title_zh, "en": r.title_en} for r in rs.rules}


def section_titles() -> dict[str, str]:
    """Scorecard section (its Chinese name, as stored) → English title, in scorecard order."""
    rs = current_ruleset()
    return {} if rs is None else {name: (s.title_en or name) for name, s in rs.scorecard.sections.items()}


def with_title(row: dict, titles: dict[str, dict[str, str]] | None = None, key: str = "rule_id") -> dict:
    """``row`` with ``rule_title_zh`` / ``rule_title_en`` added (the id when the rule is unknown)."""
    titles = rule_titles() if titles is None else titles
    rule_id = row.get(key)
    title = titles.get(rule_id or "", {})
    row["rule_title_zh"] = title.get("zh") or rule_id
    row["rule_title_en"] = title.get("en") or rule_id
    return row


def agents(session: Session) -> dict[str, dict]:
    """agent id → {"name", "team"} from the ``agents`` table."""
    return {a.agent_id: {"name": a.name, "team": a.team} for a in session.exec(select(Agent))}


def with_agent(row: dict, directory: dict[str, dict]) -> dict:
    """``row`` with ``agent_name`` and ``team`` added ("" when the agent is not in the table)."""
    entry = directory.get(row.get("agent_id") or "", {})
    row["agent_name"] = entry.get("name", "")
    row["team"] = entry.get("team", "")
    return row
