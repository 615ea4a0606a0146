"""Reading the YAML files of rules/: errors name the file and line and say how to fix them."""

from __future__ import annotations

from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from qa_engine.rules.errors import RuleError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> tuple[Any, str]:
    """(data, text); a syntax error becomes a RuleError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, f"cannot read file ({exc})", hint="save it as UTF-8 text") from exc
    try:
        return yaml.load(text, Loader=_Loader), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(path, f"YAML syntax error: {problem}", line=mark.line + 1 if mark else None,
                        hint="check indentation, a missing ':' or an unclosed quote or bracket") from exc


def line_of(text: str, loc: tuple) -> int | None:
    """Line (1-based) of the YAML node at ``loc`` (keys and list indices); the deepest found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part):
                    nxt, line = v, k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        if nxt is None:
            break
        node = nxt
    return line


def _schema_error(path: Path, text: str, exc: ValidationError, model: type[BaseModel]) -> RuleError:
    errors = exc.errors()
    # a misspelt field shows as "unknown X" plus "missing Y": report the misspelling, it explains both
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    name = ".".join(str(p) for p in loc) or "file"
    kind = err["type"]
    if kind == "missing":
        problem, hint = f"missing field '{name}'", f"add `{loc[-1]}:` to the file"
    elif kind == "extra_forbidden":
        problem = f"unknown field '{name}'"
        fields = [f.alias or n for n, f in model.model_fields.items()] if len(loc) == 1 else []
        close = get_close_matches(str(loc[-1]), fields, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "remove it or check the spelling"
    else:
        problem, hint = f"field '{name}': {err['msg']}", "see rules/README.md for the file format"
    return RuleError(path, problem, line=line_of(text, loc), hint=hint, loc=loc)


def validated(path: Path, model: type[BaseModel]) -> tuple[Any, str]:
    data, text = read_yaml(path)
    if not isinstance(data, dict):
        raise RuleError(path, "the file must be a YAML mapping (key: value lines)", line=1,
                        hint="start with `id: ...`")
    try:
        return model.model_validate(data), text
    except ValidationError as exc:
        raise _schema_error(path, text, exc, model) from exc
