"""``qa-engine users …``: the first admin of a production install, and every account change audited."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from qa_engine.api.security import verify_password
from qa_engine.cli import app
from qa_engine.config import get_settings
from qa_engine.storage.app_models import AuditLog, User
from qa_engine.storage.db import session_scope


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """``cli("users", "list", input="…")`` on an empty database in a temp folder."""
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    monkeypatch.setenv("USER", "ops")
    monkeypatch.setenv("LOGNAME", "ops")
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args, input=None: runner.invoke(app, list(args), input=input)
    get_settings.cache_clear()


def _user(name: str) -> User | None:
    with session_scope(get_settings()) as s:
        return s.exec(select(User).where(User.username == name)).first()


def _audit() -> list[tuple[str, str, str]]:
    with session_scope(get_settings()) as s:
        return [(a.username, a.action, a.entity_id) for a in s.exec(select(AuditLog).order_by(AuditLog.id))]


def test_first_admin_from_piped_password_is_created_and_audited(cli):
    r = cli("users", "create", "root", "--role", "admin", "--full-name", "运维", input="a-long-secret\n")
    assert r.exit_code == 0, r.output
    user = _user("root")
    assert user.role == "admin" and user.full_name == "运维" and verify_password("a-long-secret", user.password_hash)
    assert _audit() == [("cli:ops", "user.create", "root")]


def test_password_is_prompted_twice_at_a_terminal(cli, monkeypatch):
    import qa_engine.users_cli as users_cli

    typed = iter(["terminal-pass-1", "terminal-pass-1", "terminal-pass-2", "typo-typo-typo"])
    monkeypatch.setattr(users_cli, "interactive", lambda: True)
    monkeypatch.setattr(users_cli.getpass, "getpass", lambda prompt: next(typed))
    assert cli("users", "create", "qc1", "--role", "inspector").exit_code == 0
    assert verify_password("terminal-pass-1", _user("qc1").password_hash)
    mismatch = cli("users", "passwd", "qc1")
    assert mismatch.exit_code == 2 and "differ" in mismatch.output
    assert verify_password("terminal-pass-1", _user("qc1").password_hash)


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("create", "x", "--role", "boss"), "long-enough-1\n", "unknown role 'boss'"),
    (("create", "x", "--role", "admin"), "short\n", "password too short"),
    (("create", "x", "--role", "agent"), "long-enough-1\n", "needs an agent id"),
    (("create", "root", "--role", "admin"), "long-enough-1\n", "exists already"),
    (("passwd", "ghost"), "long-enough-1\n", "no user 'ghost'"),
    (("passwd", "root"), "short\n", "password too short"),
    (("role", "ghost", "admin"), None, "no user 'ghost'"),
    (("role", "root", "boss"), None, "unknown role"),
    (("disable", "ghost"), None, "no user 'ghost'"),
    (("disable", "root"), None, "last active admin"),
])
def test_refusals_are_one_line_exit_2_and_change_nothing(cli, args, stdin, message):
    assert cli("users", "create", "root", "--role", "admin", input="a-long-secret\n").exit_code == 0
    r = cli("users", *args, input=stdin)
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    root = _user("root")
    assert root.active and root.role == "admin" and verify_password("a-long-secret", root.password_hash)
    assert len(_audit()) == 1


def test_passwd_role_disable_enable_each_audited_and_listed(cli):
    cli("users", "create", "root", "--role", "admin", input="a-long-secret\n")
    cli("users", "create", "a108", "--role", "agent", "--agent-id", "108", input="agent-pass-1\n")
    version = _user("a108").token_version
    assert cli("users", "passwd", "a108", input="agent-pass-2\n").exit_code == 0
    assert cli("users", "role", "a108", "inspector").exit_code == 0
    assert cli("users", "disable", "a108").exit_code == 0
    user = _user("a108")
    assert verify_password("agent-pass-2", user.password_hash) and user.role == "inspector" and not user.active
    assert user.token_version == version + 3  # each change ended the sessions before it
    listing = cli("users", "list").output
    assert "a108" in listing and "inspector" in listing and "108" in listing and " no " in listing
    assert cli("users", "enable", "a108").exit_code == 0 and _user("a108").active
    assert [a for _u, a, name in _audit() if name == "a108"] == [
        "user.create", "user.password", "user.role", "user.disable", "user.enable"]
    assert {u for u, _a, _n in _audit()} == {"cli:ops"}


def test_the_installed_command_reads_the_password_from_a_pipe(tmp_path):
    env = {"QA_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "USER": "ops"}
    run = [sys.executable, "-m", "qa_engine", "users"]
    created = subprocess.run([*run, "create", "root", "--role", "admin"], input="piped-secret-1\n", env=env,
                             capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    listed = subprocess.run([*run, "list", "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert '"username": "root"' in listed.stdout
