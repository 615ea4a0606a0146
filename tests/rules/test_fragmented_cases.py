"""Every rule test case judged again with each utterance cut into pause fragments, as an ASR cuts a
speaker who pauses at commas: the outcome must not change (speaker turns, docs/TRANSCRIPT.md)."""

from __future__ import annotations

import re

import pytest
import yaml

from qa_engine.config import REPO_ROOT
from qa_engine.rules import evaluate
from qa_engine.rules.loader import rule_test_files
from qa_engine.rules.schema import CaseFileSpec
from qa_engine.rules.testing import build_context

RULES_DIR = REPO_ROOT / "rules"

PAUSE_S = 0.4  # a pause inside a turn, well under the turn gap
_PIECE = re.compile(r"[^，。？！,.?!]+[，。？！,.?!]*")


def fragments(row: list) -> list[list]:
    """``row`` ([speaker, start, end, text]) cut after each comma or sentence mark, the pieces
    spread over the row's time with a short pause between them."""
    speaker, start, end, text = row
    pieces = _PIECE.findall(str(text)) or [str(text)]
    if len(pieces) == 1:
        return [row]
    pause = min(PAUSE_S, (float(end) - float(start)) / (2 * len(pieces)))
    talk = float(end) - float(start) - pause * (len(pieces) - 1)
    out, t = [], float(start)
    for piece in pieces:
        length = talk * len(piece) / len(str(text))
        out.append([speaker, round(t, 3), round(t + length, 3), piece])
        t += length + pause
    return out


def _cases():
    for path in rule_test_files(RULES_DIR):
        spec = CaseFileSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for case in spec.cases:
            if any(isinstance(r, list) and len(_PIECE.findall(str(r[3]))) > 1 for r in case.transcript):
                yield pytest.param(spec, case, id=f"{spec.rule}::{case.name}")


@pytest.mark.parametrize(("spec", "case"), list(_cases()))
def test_a_case_cut_into_pause_fragments_keeps_its_outcome(ruleset, spec, case):
    rows = [f for r in case.transcript for f in (fragments(r) if isinstance(r, list) else [r])]
    whole = evaluate(ruleset, build_context(case, spec.defaults), only=[spec.rule])[0]
    cut = evaluate(ruleset, build_context(case.model_copy(update={"transcript": rows}), spec.defaults), only=[spec.rule])[0]
    assert cut.outcome == whole.outcome, (rows, cut.message)
