"""String conditions on edges: safe expressions over the instance data.

Expressions such as ``"amount > 5000"`` or ``"approved == True"`` are evaluated by
`simpleeval <https://pypi.org/project/simpleeval/>`_ with the instance data as
names, never with ``eval``. Only a fixed set of pure functions is available
(simpleeval's defaults include ``rand``, which would break Temporal's determinism).
A name that is not in the data is an error, not ``False``: a typo in a condition
must surface, not silently route the instance. Use ``get("key", default)`` for
optional keys.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import simpleeval

__all__ = ["check_condition", "evaluate_condition"]

_PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
}

# AST nodes that carry no behaviour of their own (operators, contexts, ...).
_STRUCTURAL = (
    ast.expr_context,
    ast.operator,
    ast.boolop,
    ast.cmpop,
    ast.unaryop,
    ast.comprehension,
    ast.keyword,
    ast.Expression,
)


def _evaluator(data: Mapping[str, Any]) -> simpleeval.EvalWithCompoundTypes:
    functions = dict(_PURE_FUNCTIONS)
    functions["get"] = lambda key, default=None: data.get(key, default)
    return simpleeval.EvalWithCompoundTypes(names=dict(data), functions=functions)


def check_condition(expression: str) -> str | None:
    """Check that ``expression`` is a supported condition.

    Returns:
        ``None`` when it is valid, otherwise the reason it is not.
    """
    if not expression.strip():
        return "the expression is empty"
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}"
    supported = _evaluator({}).nodes
    for node in ast.walk(tree):
        if isinstance(node, _STRUCTURAL) or type(node) in supported:
            continue
        return f"{type(node).__name__} expressions are not supported"
    return None


def evaluate_condition(expression: str, data: Mapping[str, Any]) -> bool:
    """Evaluate ``expression`` with the instance data as names.

    Raises:
        ValueError: The expression cannot be evaluated (unknown name, bad types,
            unsupported construct); the message says why.
    """
    try:
        return bool(_evaluator(data).eval(expression.strip()))
    except simpleeval.NameNotDefined as exc:
        raise ValueError(f"name {exc.name!r} is not in the instance data") from exc
    except (simpleeval.InvalidExpression, ArithmeticError, TypeError, KeyError, IndexError, SyntaxError) as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from exc
