"""The one authorisation policy: roles, permissions and the agent's own-calls scope."""

import pytest

from qa_engine import policy


def test_every_role_has_a_grant_and_every_grant_names_a_known_permission():
    known = {v for k, v in vars(policy).items() if k.isupper() and isinstance(v, str) and "." in v}
    assert set(policy.GRANTS) == set(policy.ROLES)
    for granted in policy.GRANTS.values():
        assert granted <= known


@pytest.mark.parametrize("role, permission, allowed", [
    ("agent", policy.CALLS_READ, True),
    ("agent", policy.CRM_READ, False),          # agents never see customers' balances
    ("agent", policy.PII_READ, False),
    ("trainer", policy.PII_READ, False),
    ("trainer", policy.CRM_READ, False),        # the CRM would show the numbers redaction hides
    ("trainer", policy.REVIEW_WRITE, False),
    ("trainer", policy.COACHING_WRITE, True),
    ("inspector", policy.REVIEW_WRITE, True),
    ("inspector", policy.CRM_MONTH_END, False),
    ("supervisor", policy.CRM_MONTH_END, True),
    ("supervisor", policy.USERS_MANAGE, False),
    ("admin", policy.USERS_MANAGE, True),
    ("agent", policy.APPEAL_CREATE, True),
    ("agent", policy.APPEAL_DECIDE, False),     # nobody decides their own appeal
    ("inspector", policy.APPEAL_CREATE, False),
    ("inspector", policy.APPEAL_DECIDE, True),
    ("supervisor", policy.APPEAL_DECIDE, True),
    ("trainer", policy.APPEAL_DECIDE, False),
    ("inspector", policy.CALIBRATION_MANAGE, False),
    ("supervisor", policy.CALIBRATION_MANAGE, True),
    ("admin", policy.CALIBRATION_MANAGE, True),
    (None, policy.CALLS_READ, False),
    ("root", policy.CALLS_READ, False),
])
def test_grants(role, permission, allowed):
    assert policy.allows(role, permission) is allowed
    if allowed:
        policy.check(role, permission)
    else:
        with pytest.raises(policy.PermissionDenied, match=permission):
            policy.check(role, permission)


def test_agents_see_only_their_own_calls_and_work_number():
    assert policy.may_see_call("agent", "108", "108")
    assert not policy.may_see_call("agent", "108", "109")
    assert policy.may_see_call("inspector", None, "109")
    assert policy.own_agent_id("agent", "108", "109") == "108"
    assert policy.own_agent_id("supervisor", None, "109") == "109"


def test_every_role_that_reads_the_crm_panel_may_see_phone_numbers():
    # The CRM panel beside a call (GET /crm/customers/by-call, the dashboard's panel) shows the
    # caller's numbers unmasked: a role granted crm.read without pii.read would see what redaction
    # hides everywhere else.
    for role in policy.GRANTS:
        if policy.allows(role, policy.CRM_READ):
            assert policy.allows(role, policy.PII_READ), role
