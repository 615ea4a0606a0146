"""``qa-engine rules …``: validate the rules/ folder and run the tests kept beside the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

rules_app = typer.Typer(help="Validate and test the script-standard rules (rules/).", no_args_is_help=True)

DirArg = Annotated[Path | None, typer.Argument(help="rules directory (default: QA_RULES_DIR or ./rules)")]


def _rules_dir(directory: Path | None) -> Path:
    if directory is not None:
        return directory
    from qa_engine.config import get_settings

    return get_settings().rules_dir


@rules_app.command("validate")
def validate(directory: DirArg = None,
             operators: Annotated[bool, typer.Option("--operators", help="also list the operators")] = False) -> None:
    """Check every rule, list, macro and the scorecard; errors name file, line and a fix."""
    from qa_engine.rules.loader import compile_dir
    from qa_engine.rules.operators import operator_docs

    rules_dir = _rules_dir(directory)
    ruleset, errors = compile_dir(rules_dir)
    for err in errors:
        typer.echo(str(err), err=True)
    if errors:
        typer.echo(f"{len(errors)} error(s) in {rules_dir}", err=True)
        raise typer.Exit(1)
    assert ruleset is not None
    typer.echo(f"{rules_dir}: rule set {ruleset.version} OK — {len(ruleset.rules)} rules, "
               f"{sum(1 for k in ruleset.lists if '#' not in k)} phrase lists, {len(ruleset.hotwords())} hotwords")
    if operators:
        for name, doc in operator_docs().items():
            typer.echo(f"  {name:22} {doc}")


@rules_app.command("test")
def test(directory: DirArg = None,
         rule: Annotated[str | None, typer.Option("--rule", "-r", help="only this rule id")] = None,
         verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list passing cases too")] = False,
         as_json: Annotated[bool, typer.Option("--json", help="results as JSON")] = False) -> None:
    """Run the test cases beside each rule (<rule id>.test.yaml); exit 1 when one fails."""
    from qa_engine.rules.errors import RuleError
    from qa_engine.rules.loader import load_ruleset
    from qa_engine.rules.testing import run_tests

    rules_dir = _rules_dir(directory)
    try:
        ruleset = load_ruleset(rules_dir)
    except RuleError as exc:
        for err in getattr(exc, "errors", [exc]):
            typer.echo(str(err), err=True)
        raise typer.Exit(2) from exc
    results = [r for r in run_tests(ruleset, rules_dir) if rule is None or r.rule == rule]
    failed = [r for r in results if not r.ok]
    if as_json:
        typer.echo(json.dumps([{"file": r.file, "line": r.line, "rule": r.rule, "case": r.name, "ok": r.ok,
                                "problems": r.problems} for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            if verbose or not r.ok:
                typer.echo(str(r), err=not r.ok)
        rules = len({r.rule for r in results})
        typer.echo(f"{len(results) - len(failed)}/{len(results)} cases passed ({rules} rules)")
    if failed:
        raise typer.Exit(1)
