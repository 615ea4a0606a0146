"""Validation errors name the file and line and give a hint; the CLI exits non-zero."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_engine.config import REPO_ROOT
from qa_engine.rules import RuleError, load_ruleset, validate_dir
from qa_engine.rules.cli import rules_app

RULES_DIR = REPO_ROOT / "rules"


@pytest.fixture
def rules_copy(tmp_path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(RULES_DIR, dst)
    return dst


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _only_error(rules_dir: Path) -> RuleError:
    errors = validate_dir(rules_dir)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_shipped_rules_are_valid():
    assert validate_dir(RULES_DIR) == []


def test_unknown_operator_names_file_line_and_suggestion(rules_copy):
    path = rules_copy / "open.brand_name.yaml"
    _replace(path, "  phrase: {list: brand", "  phrse: {list: brand")
    err = _only_error(rules_copy)
    assert err.file.endswith("open.brand_name.yaml")
    assert err.line == _line_of(path, "phrse:")
    assert "unknown operator 'phrse'" in str(err) and "phrase" in err.hint


def test_missing_field(rules_copy):
    path = rules_copy / "talk.volume.yaml"
    _replace(path, "title_en: Volume in range\n", "")
    err = _only_error(rules_copy)
    assert "missing field 'title_en'" in err.problem and "title_en:" in err.hint
    assert err.file.endswith("talk.volume.yaml")


def test_unknown_field_with_suggestion(rules_copy):
    path = rules_copy / "talk.volume.yaml"
    _replace(path, "severity: minor", "severty: minor")
    errors = validate_dir(rules_copy)
    err = next(e for e in errors if "severty" in e.problem)
    assert err.line == _line_of(path, "severty")


def test_id_must_equal_file_name(rules_copy):
    path = rules_copy / "close.thanks.yaml"
    _replace(path, "id: close.thanks", "id: close.thank_you")
    err = _only_error(rules_copy)
    assert "differs from the file name" in err.problem and err.line == 1
    assert "close.thanks" in err.hint


def test_yaml_syntax_error_names_the_line(rules_copy):
    path = rules_copy / "hold.max_60s.yaml"
    _replace(path, "  max_hold_s: 60", "  max_hold_s: [60")
    err = _only_error(rules_copy)
    assert "YAML syntax error" in err.problem
    assert err.line is not None and err.line >= _line_of(path, "max_hold_s: [60")
    assert f"hold.max_60s.yaml:{err.line}:" in str(err)


def test_bad_operator_argument_points_at_the_argument(rules_copy):
    path = rules_copy / "talk.no_interrupt.yaml"
    _replace(path, "    interrupter: agent", "    interrupter: robot")
    err = _only_error(rules_copy)
    assert err.line == _line_of(path, "interrupter: robot")
    assert "no_span" in err.problem


def test_unknown_list_and_unknown_param(rules_copy):
    _replace(rules_copy / "open.brand_name.yaml", "list: brand,", "list: brands,")
    _replace(rules_copy / "hold.max_60s.yaml", "$max_hold_s}", "$max_hold}")
    problems = {e.problem for e in validate_dir(rules_copy)}
    assert "unknown phrase list 'brands'" in problems
    assert "unknown parameter '$max_hold'" in problems


def test_unknown_event_list_is_named(rules_copy):
    _replace(rules_copy / "ruleset.yaml", "confirm_list: transfer_confirm", "confirm_list: transfer_confirms")
    err = _only_error(rules_copy)
    assert err.problem == "events.transfer.confirm_list: unknown list 'transfer_confirms'"
    assert err.file.endswith("ruleset.yaml")


def test_scorecard_must_name_existing_rules(rules_copy):
    path = rules_copy / "scorecard.yaml"
    _replace(path, "      close.thanks: 5", "      close.thanks: 5\n      close.goodbye: 1")
    err = _only_error(rules_copy)
    assert "unknown rule 'close.goodbye'" in err.problem and err.line == _line_of(path, "close.goodbye")


def test_rule_section_must_match_scorecard(rules_copy):
    _replace(rules_copy / "talk.volume.yaml", "section: 服务过程", "section: 开场")
    assert "differs from the scorecard" in _only_error(rules_copy).problem


def test_list_errors(rules_copy):
    path = rules_copy / "lists" / "brand.yaml"
    _replace(path, "id: brand", "id: brand_name")
    errors = validate_dir(rules_copy)
    assert any(e.file.endswith("brand.yaml") and "differs from the file name" in e.problem for e in errors)


def test_macro_errors_point_at_macros_file(rules_copy):
    path = rules_copy / "macros.yaml"
    _replace(path, "list: hold_reason", "list: hold_reasons")
    errors = validate_dir(rules_copy)
    assert errors and all(e.file.endswith("macros.yaml") for e in errors)
    assert {e.line for e in errors} == {_line_of(path, "hold_reasons")}


def test_load_ruleset_raises_with_every_error(rules_copy):
    _replace(rules_copy / "open.brand_name.yaml", "  phrase: {list: brand", "  phrse: {list: brand")
    _replace(rules_copy / "close.thanks.yaml", "id: close.thanks", "id: close.thank_you")
    with pytest.raises(RuleError) as exc:
        load_ruleset(rules_copy)
    assert len(exc.value.errors) == 2


def test_load_ruleset_reloads_after_an_edit(rules_copy):
    first = load_ruleset(rules_copy)
    assert load_ruleset(rules_copy) is first
    _replace(rules_copy / "ruleset.yaml", f'version: "{first.version}"', 'version: "2099.1.1"')
    assert load_ruleset(rules_copy).version == "2099.1.1"


def test_cli_validate_exit_codes(rules_copy):
    runner = CliRunner()
    ok = runner.invoke(rules_app, ["validate", str(rules_copy)])
    assert ok.exit_code == 0, ok.output
    assert "18 rules" in ok.output
    _replace(rules_copy / "open.brand_name.yaml", "  phrase: {list: brand", "  phrse: {list: brand")
    bad = runner.invoke(rules_app, ["validate", str(rules_copy)])
    assert bad.exit_code == 1
    assert "open.brand_name.yaml:" in bad.output and "phrse" in bad.output


def test_cli_test_exit_codes(rules_copy):
    runner = CliRunner()
    ok = runner.invoke(rules_app, ["test", str(rules_copy)])
    assert ok.exit_code == 0, ok.output
    _replace(rules_copy / "close.thanks.test.yaml", "    expect: {outcome: fail, evidence_count: 3",
             "    expect: {outcome: pass, evidence_count: 3")
    bad = runner.invoke(rules_app, ["test", str(rules_copy)])
    assert bad.exit_code == 1
    assert "close.thanks.test.yaml:" in bad.output and "FAILED" in bad.output
