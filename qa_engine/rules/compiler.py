"""Rule expressions compiled into evaluators, and the registry of the operators they are built from.

An expression is a mapping with exactly one key, the operator name: ``{phrase: {list: brand}}``,
``{all: [..]}``, ``{not: {..}}``. An operator is registered with a pydantic model for its
arguments (validated once, when the rule set is loaded) and a ``build`` function that turns the
validated arguments into an evaluator, a function ``Env -> Result``. Nothing is ever ``eval``-ed.

Results use three-valued logic: True (pass), False (fail), None (n/a: does not apply or an input is
missing). ``evidence`` always supports the value. How to add an operator: rules/README.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from qa_engine.rules.errors import CompileError
from qa_engine.rules.phrases import PhraseList
from qa_engine.types import Evidence

if TYPE_CHECKING:
    from qa_engine.rules.context import CallView
    from qa_engine.rules.events import Event


@dataclass
class Result:
    """An evaluator's verdict: value, the evidence for it, what was found (both languages), and
    facts a rule's message may quote (``{stated}``, ``{expected}``…)."""

    value: bool | None
    evidence: list[Evidence] = field(default_factory=list)
    zh: str = ""
    en: str = ""
    facts: dict = field(default_factory=dict)


@dataclass
class Env:
    """What an evaluator runs on: the call, and the hold or transfer inside a ``for_each``."""

    view: CallView
    event: Event | None = None


Evaluator = Callable[[Env], Result]


class Args(BaseModel):
    """Base of the operators' argument models: unknown arguments are errors."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Operator:
    name: str
    args: type[BaseModel] | None  # None: the build function gets the raw YAML value (logic operators)
    build: Callable[..., Evaluator]
    doc: str


OPERATORS: dict[str, Operator] = {}


def operator(name: str, args: type[BaseModel] | None = None):
    """Register ``build(args, compiler, loc) -> Evaluator`` under ``name``."""

    def register(build):
        OPERATORS[name] = Operator(name, args, build, (build.__doc__ or "").strip())
        return build

    return register


def operator_docs() -> dict[str, str]:
    """Operator name → the first paragraph of its documentation on one line (for `qa-engine rules
    validate --operators`)."""
    return {name: " ".join(op.doc.split("\n\n")[0].split()) for name, op in sorted(OPERATORS.items())}


def substitute_params(node: Any, params: dict, loc: tuple) -> Any:
    """Replace ``"$name"`` strings by the params (the whole string must be the reference)."""
    if isinstance(node, str) and node.startswith("$") and len(node) > 1:
        if node[1:] not in params:
            close = get_close_matches(node[1:], params, n=1)
            raise CompileError(loc, f"unknown parameter '{node}'",
                               f"did you mean `${close[0]}`?" if close else "declare it under `params:`")
        return params[node[1:]]
    if isinstance(node, dict):
        return {k: substitute_params(v, params, loc + (k,)) for k, v in node.items()}
    if isinstance(node, list):
        return [substitute_params(v, params, loc + (i,)) for i, v in enumerate(node)]
    return node


class Compiler:
    """Compiles the expression trees of one rule (its params already substituted).

    ``lists`` is shared by the whole rule set: inline ``phrases:`` become anonymous lists in it."""

    def __init__(self, lists: dict[str, PhraseList], macros: dict[str, dict], rule_id: str, params: dict):
        self.lists = lists
        self.macros = macros
        self.rule_id = rule_id
        self.params = params
        self._anonymous = 0
        self._macro_stack: list[str] = []

    def compile_rule_part(self, node: Any, part: str) -> Evaluator:
        """A rule's ``check`` or ``when``, its ``$param`` references replaced by the rule's params."""
        return self.compile(substitute_params(node, self.params, (part,)), (part,))

    def compile(self, node: Any, loc: tuple) -> Evaluator:
        if not isinstance(node, dict) or len(node) != 1:
            raise CompileError(loc, "an expression must be a mapping with exactly one operator key",
                               f"write e.g. `phrase: {{list: brand}}`; operators: {', '.join(sorted(OPERATORS))}")
        (name, value), = node.items()
        op = OPERATORS.get(name)
        if op is None:
            close = get_close_matches(str(name), OPERATORS, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known operators: {', '.join(sorted(OPERATORS))}"
            raise CompileError(loc + (name,), f"unknown operator '{name}'", hint)
        if op.args is None:
            return op.build(value, self, loc + (name,))
        return op.build(self._arguments(op, value, loc + (name,)), self, loc + (name,))

    def _arguments(self, op: Operator, value: Any, loc: tuple) -> BaseModel:
        fields = ", ".join(f.alias or name for name, f in op.args.model_fields.items())  # as written in YAML
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise CompileError(loc, f"'{op.name}' takes a mapping of arguments", f"arguments of {op.name}: {fields}")
        try:
            return op.args.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            sub = tuple(p for p in err["loc"] if p != "function-after")
            raise CompileError(loc + sub, f"{op.name}: {err['msg']}", f"arguments of {op.name}: {fields}") from exc

    def compile_macro(self, name: Any, loc: tuple) -> Evaluator:
        """A named expression of rules/macros.yaml (its params default, the rule's override)."""
        if not isinstance(name, str) or name not in self.macros:
            close = get_close_matches(str(name), self.macros, n=1)
            raise CompileError(loc, f"unknown macro '{name}'",
                               f"did you mean `{close[0]}`?" if close else "define it in rules/macros.yaml")
        if name in self._macro_stack:
            raise CompileError(loc, f"macro '{name}' uses itself", "remove the cycle")
        macro = self.macros[name]
        expr = substitute_params(macro["expr"], {**macro.get("params", {}), **self.params}, loc)
        self._macro_stack.append(name)
        try:
            return self.compile(expr, ("macro", name))
        finally:
            self._macro_stack.pop()

    def need_list(self, list_id: str, loc: tuple) -> PhraseList:
        pl = self.lists.get(list_id)
        if pl is None:
            close = get_close_matches(list_id, self.lists, n=1)
            raise CompileError(loc, f"unknown phrase list '{list_id}'",
                               f"did you mean `{close[0]}`?" if close else "add rules/lists/<id>.yaml")
        return pl

    def anonymous_list(self, phrases: list[str], tolerance: str) -> str:
        """An inline phrase list of this rule, named ``<rule id>#<n>``."""
        self._anonymous += 1
        list_id = f"{self.rule_id}#{self._anonymous}"
        self.lists[list_id] = PhraseList(list_id, tuple(phrases), tolerance)  # type: ignore[arg-type]
        return list_id
