"""``qa-engine users …``: accounts from the command line (how a production install gets its first admin).

Passwords are read from standard input when it is not a terminal (one line), else prompted twice
without echo. Every change is audited as ``cli:<os user>``; refusals print one line and exit 2.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlmodel import Session

from qa_engine.api.services import accounts
from qa_engine.config import get_settings
from qa_engine.storage.db import session_scope
from qa_engine.storage.schema import init_db

users_app = typer.Typer(help="Users: create, set passwords and roles, disable, list.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="user name (login)")]


def actor() -> str:
    """``cli:<os user>``: who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return f"cli:uid{os.getuid()}"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database (schema brought up to date first); account refusals
    become one line on stderr and exit 2, with nothing stored."""
    settings = get_settings()
    init_db(settings)
    try:
        with session_scope(settings) as session:
            yield session
    except accounts.AccountError as exc:
        raise _fail(str(exc)) from None


def interactive() -> bool:
    return sys.stdin.isatty()


def read_password(prompt: str = "Password") -> str:
    """One line of standard input when it is piped, else typed twice at the terminal."""
    if not interactive():
        line = sys.stdin.readline()
        if not line:
            raise _fail("no password on standard input")
        return line.rstrip("\r\n")
    password = getpass.getpass(f"{prompt}: ")
    if getpass.getpass(f"{prompt} (again): ") != password:
        raise _fail("the two passwords differ")
    return password


def _change(done: str, change: Callable[..., object], **kwargs) -> None:
    with _session() as session:
        change(session, actor=actor(), **kwargs)
    typer.echo(done)


@users_app.command("create")
def create_cmd(
    username: NameArg,
    role: Annotated[str, typer.Option("--role", help="admin, supervisor, inspector, trainer or agent")],
    agent_id: Annotated[str | None, typer.Option("--agent-id", help="work number (needed for role agent)")] = None,
    full_name: Annotated[str, typer.Option("--full-name", help="display name")] = "",
) -> None:
    """Create an active user (password 10+ characters, from stdin or prompted)."""
    password = read_password()
    _change(f"created {username} ({role})", accounts.create_account, username=username, password=password, role=role,
            agent_id=agent_id, full_name=full_name)


@users_app.command("passwd")
def passwd_cmd(username: NameArg) -> None:
    """Set a user's password; their API tokens and dashboard sessions end."""
    with _session() as session:  # an unknown name fails before the password is asked for
        accounts.existing_user(session, username)
    password = read_password("New password")
    _change(f"password changed for {username}", accounts.set_password, username=username, password=password)


@users_app.command("role")
def role_cmd(
    username: NameArg,
    role: Annotated[str, typer.Argument(help="admin, supervisor, inspector, trainer or agent")],
    agent_id: Annotated[str | None, typer.Option("--agent-id", help="work number, when the new role is agent")] = None,
) -> None:
    """Change a user's role; their sessions end."""
    _change(f"{username} is now {role}", accounts.set_role, username=username, role=role, agent_id=agent_id)


@users_app.command("disable")
def disable_cmd(username: NameArg) -> None:
    """Refuse the user's logins; their sessions end."""
    _change(f"disabled {username}", accounts.set_active, username=username, active=False)


@users_app.command("enable")
def enable_cmd(username: NameArg) -> None:
    """Allow a disabled user to log in again."""
    _change(f"enabled {username}", accounts.set_active, username=username, active=True)


@users_app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Every user: name, role, agent id, active, last password change (UTC)."""
    with _session() as session:
        rows = [{"username": u.username, "role": u.role, "agent_id": u.agent_id, "active": u.active,
                 "password_changed_at": u.password_changed_at.strftime("%Y-%m-%d %H:%M"), "full_name": u.full_name}
                for u in accounts.list_users(session)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    typer.echo(f"{'username':<20} {'role':<11} {'agent':<8} {'active':<7} password changed (UTC)")
    for r in rows:
        typer.echo(f"{r['username']:<20} {r['role']:<11} {r['agent_id'] or '-':<8} {'yes' if r['active'] else 'no':<7} "
                   f"{r['password_changed_at']}")
