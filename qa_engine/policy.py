"""The one authorisation policy: which role may do what.

The API's route dependencies (``qa_engine.api.deps``) and the dashboard (``dashboard.data``) both ask
``allows`` / ``check`` here, so a role's rights are written in one place. Scoping rows to their owner
(an agent sees only their own calls) is a separate question answered by ``own_agent_id``.
"""

from __future__ import annotations

# What can be done. A route or page names the one permission it needs.
CALLS_READ = "calls.read"            # list and open calls (agents: their own only)
CALLS_UPLOAD = "calls.upload"        # upload recordings, re-analyse, watch jobs
REVIEW_WRITE = "review.write"        # verdicts, deductions, final scores
COACHING_WRITE = "coaching.write"    # build and assign coaching sessions
REPORTS_TEAM = "reports.team"        # everyone's scorecards, agreement, audit log
CRM_READ = "crm.read"                # customer records, VIP balances and ledgers
CRM_MONTH_END = "crm.month_end"      # run month-end rebates
USERS_MANAGE = "users.manage"        # create users, change roles and passwords, disable
PII_READ = "pii.read"                # phone, ID-card and card numbers unredacted
LEGAL_HOLD = "calls.legal_hold"      # keep a call out of retention's purge, or release it
APPEAL_CREATE = "appeals.create"     # an agent disputes a failed finding of their own call
APPEAL_DECIDE = "appeals.decide"     # uphold or overturn an agent's appeal
CALIBRATION_MANAGE = "calibration.manage"  # set up calibration sessions and read their reports

ROLES = ("admin", "supervisor", "inspector", "trainer", "agent")

_STAFF = {CALLS_READ, REPORTS_TEAM, CRM_READ}
GRANTS: dict[str, frozenset[str]] = {
    "admin": frozenset(_STAFF | {CALLS_UPLOAD, REVIEW_WRITE, COACHING_WRITE, CRM_MONTH_END, USERS_MANAGE, PII_READ, LEGAL_HOLD,
                                      APPEAL_DECIDE, CALIBRATION_MANAGE}),
    "supervisor": frozenset(_STAFF | {CALLS_UPLOAD, REVIEW_WRITE, COACHING_WRITE, CRM_MONTH_END, PII_READ, LEGAL_HOLD,
                                           APPEAL_DECIDE, CALIBRATION_MANAGE}),
    "inspector": frozenset(_STAFF | {CALLS_UPLOAD, REVIEW_WRITE, PII_READ, LEGAL_HOLD, APPEAL_DECIDE}),
    # Trainers coach from call moments; customer records would hand them the phone and card
    # numbers their redacted transcripts hide (they have no pii.read).
    "trainer": frozenset(_STAFF - {CRM_READ} | {COACHING_WRITE}),
    "agent": frozenset({CALLS_READ, APPEAL_CREATE}),
}


class PermissionDenied(PermissionError):
    """The actor's role lacks the permission (HTTP 403 in the API, a message on a page)."""

    def __init__(self, role: str, permission: str) -> None:
        super().__init__(f"role '{role}' may not do this ({permission})")
        self.role = role
        self.permission = permission


def allows(role: str | None, permission: str) -> bool:
    return permission in GRANTS.get(role or "", frozenset())


def check(role: str | None, permission: str) -> None:
    if not allows(role, permission):
        raise PermissionDenied(role or "anonymous", permission)


def own_agent_id(role: str | None, own_agent: str | None, requested: str | None) -> str | None:
    """The agent filter a user may apply: agents only ever see their own work number."""
    return own_agent if role == "agent" else requested


def may_see_call(role: str | None, own_agent: str | None, call_agent: str | None) -> bool:
    return allows(role, CALLS_READ) and (role != "agent" or call_agent == own_agent)
