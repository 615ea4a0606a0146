"""FreeSWITCH JSON CDRs (mod_json_cdr, or mod_format_cdr with format json): one file per call leg.

Values sit in the ``variables`` object, URL-encoded by default (``2026-12-03%2010%3A15%3A02``). The
call's context, caller and destination are also in ``callflow[].caller_profile``. ``direction`` is
the leg's direction seen from FreeSWITCH: the A leg of any call is ``inbound``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote

from qa_engine.config import Settings
from qa_engine.errors import CallRecordError
from qa_engine.intake.cdr import (CdrCall, CdrProblem, CdrRowError, CdrTable, build_table, guarded, is_inbound_context,
                                  parse_local_time)

# Who ended the call, from the leg's point of view: recv_* = this leg's party hung up or cancelled.
_HANGUP_BY_LEG_PARTY = {"recv_bye": True, "recv_cancel": True, "send_bye": False, "send_cancel": False}


def read_freeswitch(path: Path, settings: Settings, known_agents: set[str] | None = None) -> CdrTable:
    """One JSON CDR file, or every ``*.json`` file in a folder (mod_json_cdr's log-dir)."""
    if path.is_dir():
        files = sorted(path.glob("*.json"))
    elif path.exists():
        files = [path]
    else:
        raise CallRecordError(path, "no such CDR file or folder")
    return build_table(str(path), (_parse_file(f, settings) for f in files), known_agents)


def _parse_file(path: Path, settings: Settings) -> CdrCall | CdrProblem:
    where = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return CdrProblem(where, f"not a JSON CDR ({exc})")
    if not isinstance(data, dict) or not isinstance(data.get("variables"), dict):
        return CdrProblem(where, "not a FreeSWITCH JSON CDR: no 'variables' object")
    values = _flatten(data)
    return guarded(where, values.get("uuid"), lambda: _call(where, values, settings))


def _flatten(data: dict) -> dict[str, str]:
    """``variables`` decoded, with the first caller profile's fields filling what they lack."""
    flows = data.get("callflow") or []
    flow = flows[0] if isinstance(flows, list) and flows else flows if isinstance(flows, dict) else {}
    profile = flow.get("caller_profile", {}) if isinstance(flow, dict) else {}
    values = {k: unquote(str(v)) for k, v in profile.items() if isinstance(v, (str, int))}
    values.update({k: unquote(str(v)) for k, v in data["variables"].items() if isinstance(v, (str, int, float))})
    return values


def _call(where: str, v: dict[str, str], settings: Settings) -> CdrCall:
    inbound = is_inbound_context(v.get("context"), settings)
    agent = _first(v, "dialed_user", "callee_id_number", "last_sent_callee_id_number", "destination_number") if inbound \
        else _first(v, "caller_id_number", "sip_from_user", "username")
    return CdrCall(
        key=v.get("uuid", ""), where=where, direction="inbound" if inbound else "outbound",
        agent_id=agent, customer_number=v.get("caller_id_number" if inbound else "destination_number") or None,
        start=_time(v, "start", settings, required=True), answer=_time(v, "answer", settings),
        end=_time(v, "end", settings), hangup_by=_hangup_by(v, inbound),
    )


def _first(values: dict[str, str], *names: str) -> str | None:
    return next((values[n] for n in names if values.get(n)), None)


def _time(v: dict[str, str], name: str, settings: Settings, *, required: bool = False) -> datetime | None:
    """``<name>_epoch`` (UTC seconds, 0 = never) or else ``<name>_stamp`` in the PBX's time zone."""
    epoch = v.get(f"{name}_epoch", "").strip()
    if epoch and epoch != "0":
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError):
            raise CdrRowError(f"{name}_epoch '{epoch}' is not a time") from None
    if v.get(f"{name}_stamp"):
        return parse_local_time(v[f"{name}_stamp"], settings.pbx_timezone)
    if required:
        raise CdrRowError(f"neither {name}_epoch nor {name}_stamp is set")
    return None


def _hangup_by(v: dict[str, str], inbound_call: bool) -> str | None:
    """The A leg's party is the caller, the B leg's the callee; the customer calls on inbound calls."""
    leg_party_hung_up = _HANGUP_BY_LEG_PARTY.get(v.get("sip_hangup_disposition", ""))
    if leg_party_hung_up is None:
        return None
    leg_party_is_customer = (v.get("direction", "inbound") == "inbound") == inbound_call
    return "customer" if leg_party_is_customer == leg_party_hung_up else "agent"
