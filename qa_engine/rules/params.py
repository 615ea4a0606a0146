"""``$name`` references in rule and macro expressions, replaced by the rule's params.

Its own module because both the loader (a rule's ``check`` and ``when``) and the compiler (a macro's
expression, in ``operators``) substitute, and the loader imports the compiler.
"""

from __future__ import annotations

from difflib import get_close_matches
from typing import Any

from qa_engine.rules.errors import CompileError


def substitute_params(node: Any, params: dict, loc: tuple) -> Any:
    """Replace ``"$name"`` strings by the rule's params (the whole string must be the reference)."""
    if isinstance(node, str) and node.startswith("$") and len(node) > 1:
        name = node[1:]
        if name not in params:
            close = get_close_matches(name, params, n=1)
            raise CompileError(loc, f"unknown parameter '${name}'",
                               f"did you mean `${close[0]}`?" if close else "declare it under `params:`")
        return params[name]
    if isinstance(node, dict):
        return {k: substitute_params(v, params, loc + (k,)) for k, v in node.items()}
    if isinstance(node, list):
        return [substitute_params(v, params, loc + (i,)) for i, v in enumerate(node)]
    return node
