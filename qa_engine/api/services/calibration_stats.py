"""The numbers of a calibration report, from plain answers (no database): agreement between
inspectors (pairs of inspectors who answered the same finding) and with the automatic outcome, per
rule, per inspector and per rule and inspector, and who drifts.

An inspector drifts on a rule when their agreement with the others on that rule is lower than the
rule's agreement between all pairs by more than ``drift_margin``. With fewer than three inspectors
nobody is flagged: two who disagree are symmetrical, and it cannot be told which of them drifts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Answer:
    finding_id: int
    rule_id: str
    auto_outcome: str
    username: str
    outcome: str


class _Tally:
    """Agreeing/total counts of answers against the automatic outcome and of inspector pairs."""

    def __init__(self) -> None:
        self.answers = self.auto_agree = self.pairs = self.pair_agree = 0

    def row(self) -> dict:
        return {"answers": self.answers, "auto_agreement": _rate(self.auto_agree, self.answers),
                "peer_agreement": _rate(self.pair_agree, self.pairs), "pairs": self.pairs}


def _rate(agree: int, total: int) -> float | None:
    return round(agree / total, 3) if total else None


def report(answers: list[Answer], *, drift_margin: float = 0.15) -> dict:
    """``overall``, ``rules`` (per rule), ``inspector_stats`` (with ``drift`` and ``drift_rules``) and
    ``cells`` (per rule and inspector, with ``drift``)."""
    by_finding: dict[int, list[Answer]] = defaultdict(list)
    for a in answers:
        by_finding[a.finding_id].append(a)
    overall, rules = _Tally(), defaultdict(_Tally)
    people, cells = defaultdict(_Tally), defaultdict(_Tally)
    for group in by_finding.values():
        _count_finding(group, overall, rules, people, cells)
    inspectors = sorted({a.username for a in answers})
    cell_rows = _cell_rows(cells, rules, drift_margin if len(inspectors) >= 3 else None)
    drifting = defaultdict(list)
    for c in cell_rows:
        if c["drift"]:
            drifting[c["username"]].append(c["rule_id"])
    return {
        "overall": overall.row() | {"inspectors": len(inspectors), "findings": len(by_finding)},
        "rules": [{"rule_id": r} | rules[r].row() for r in sorted(rules)],
        "inspector_stats": [{"username": u} | people[u].row() | {"drift": bool(drifting[u]), "drift_rules": drifting[u]}
                       for u in inspectors],
        "cells": cell_rows,
        "drift_margin": drift_margin,
    }


def _count_finding(group: list[Answer], overall: _Tally, rules: dict, people: dict, cells: dict) -> None:
    rule_id = group[0].rule_id
    for a in group:
        agree = int(a.outcome == a.auto_outcome)
        for tally in (overall, rules[rule_id], people[a.username], cells[(rule_id, a.username)]):
            tally.answers += 1
            tally.auto_agree += agree
    for a, b in combinations(group, 2):
        agree = int(a.outcome == b.outcome)
        for tally in (overall, rules[rule_id]):
            tally.pairs += 1
            tally.pair_agree += agree
        # Each inspector's own agreement with the others counts the pairs they are in.
        for tally in (people[a.username], people[b.username], cells[(rule_id, a.username)], cells[(rule_id, b.username)]):
            tally.pairs += 1
            tally.pair_agree += agree


def _cell_rows(cells: dict, rules: dict, margin: float | None) -> list[dict]:
    out = []
    for (rule_id, username) in sorted(cells):
        row = {"rule_id": rule_id, "username": username} | cells[(rule_id, username)].row()
        rule_level = rules[rule_id].row()["peer_agreement"]
        row["drift"] = (margin is not None and row["peer_agreement"] is not None and rule_level is not None
                        and row["peer_agreement"] < rule_level - margin)
        out.append(row)
    return out
