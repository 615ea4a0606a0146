"""The phrase lists keep recognising the held-out wordings they were widened on
(benchmarks/wordings/battery.yaml to battery3.yaml, each written without reading the lists, each
measured before the lists were widened on it; battery4.yaml stays a held-out measure, not asserted
here), and the look-alikes of the steps where a false match costs most stay unmatched: a taboo phrase zeroes the call, a request to
wait turns dead air into a hold, a transfer cue creates a transfer to be judged."""

from __future__ import annotations

import pytest
import yaml

from benchmarks.wordings import STEP_LISTS, recognised
from qa_engine.config import REPO_ROOT

BATTERIES = {name: yaml.safe_load((REPO_ROOT / "benchmarks" / "wordings" / f"{name}.yaml").read_text(encoding="utf-8"))["steps"]
             for name in ("battery", "battery2", "battery3")}
# Left out on purpose: 接到 (直接到前台 sounds the same) and 明天再打 (also polite advice when a desk is closed).
# 帮宁 for 帮您: the fuzzy view merges 您 with 你, not with 宁.
DELIBERATELY_MISSED = {"那我帮您接到客房部哈。", "现在下班了，明天再打。", "呃，那我帮您接到门店那边去哈。",
                       "那我直接给您接到房间去，您跟您同事说吧。", "您好，夜郎印象，请问有什么可以帮宁？"}
NO_FALSE_MATCH = ("hold_request", "hold_thanks", "transfer_cue", "thanks_inbound", "thanks_outbound", "banned_phrases")


@pytest.mark.parametrize("battery", BATTERIES)
@pytest.mark.parametrize("step", STEP_LISTS)
def test_every_wording_of_the_step_is_recognised(ruleset, battery, step):
    missed = [t for t in BATTERIES[battery][step]["positives"] if not recognised(ruleset, step, t) and t not in DELIBERATELY_MISSED]
    assert not missed


@pytest.mark.parametrize("battery", BATTERIES)
@pytest.mark.parametrize("step", NO_FALSE_MATCH)
def test_look_alikes_are_not_taken_for_the_step(ruleset, battery, step):
    wrong = [t for t in BATTERIES[battery][step]["negatives"] if recognised(ruleset, step, t)]
    assert not wrong


@pytest.mark.parametrize("battery", BATTERIES)
def test_refusals_and_other_turns_mark_no_transfer_offer(ruleset, battery):
    """`transfer_confirm` turns the agent turn before it into a transfer: a refusal or a money transfer
    (不用转了, 我现在就转吧) must not."""
    negatives = BATTERIES[battery]["transfer_confirm"]["negatives"]
    wrong = [t for t in negatives if ruleset.index.match_text(t).get("transfer_confirm")]
    assert not wrong
