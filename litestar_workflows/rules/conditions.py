"""String conditions on edges: safe expressions over the instance data.

Expressions such as ``"amount > 5000"`` or ``"approved == True"`` are evaluated by
`simpleeval <https://pypi.org/project/simpleeval/>`_ with the instance data as
names, never with ``eval``. Only a fixed set of pure functions is available
(simpleeval's defaults include ``rand``, which would break Temporal's determinism).
A name that is not in the data is an error, not ``False``: a typo in a condition
must surface, not silently route the instance. Use ``get("key", default)`` for
optional keys.

Conditions are evaluated inside the Temporal workflow, so none may take long or use
much memory (a blocked workflow task stalls the instance). Two guards:

* at registration (:func:`check_condition`): at most 500 characters, no comprehensions,
  and only methods whose work and result are at most linear in their input (``lower``,
  ``startswith``, ``get``, ... — not ``replace``, ``zfill``, ``ljust``, ``join``);
* at evaluation: ``*``, ``**``, ``+`` and ``<<`` refuse results over 4096 bits (integers)
  or 100,000 items (strings, lists), so ``10**4000000*10**4000000`` is an error, not minutes.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import simpleeval

__all__ = ["check_condition", "evaluate_condition"]

_MAX_LENGTH = 500
"""Longest condition expression accepted at registration."""
_MAX_INT_BITS = 4096
_MAX_ITEMS = 100_000
# Methods a condition may call: their time and result size are at most linear in the input.
_LINEAR_METHODS = frozenset(
    {
        "startswith", "endswith", "lower", "upper", "casefold", "strip", "lstrip", "rstrip",
        "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper", "isnumeric", "isdecimal",
        "count", "find", "rfind", "index", "get", "keys", "values", "items", "split",
    }
)  # fmt: skip

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


def _too_large(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_INT_BITS:
        raise ArithmeticError(f"the result has more than {_MAX_INT_BITS} bits")
    if isinstance(value, str | bytes | list | tuple) and len(value) > _MAX_ITEMS:
        raise ArithmeticError(f"the result has more than {_MAX_ITEMS} items")
    return value


def _bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _mult(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and _bits(a) + _bits(b) > _MAX_INT_BITS + 1:
        raise ArithmeticError(f"the result has more than {_MAX_INT_BITS} bits")
    for seq, times in ((a, b), (b, a)):
        if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int) and len(seq) * times > _MAX_ITEMS:
            raise ArithmeticError(f"the result has more than {_MAX_ITEMS} items")
    return _too_large(a * b)


def _power(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and max(_bits(a) - 1, 1) * b > _MAX_INT_BITS:
        raise ArithmeticError(f"the result has more than {_MAX_INT_BITS} bits")
    return _too_large(a**b)


def _add(a: Any, b: Any) -> Any:
    sequences = isinstance(a, str | bytes | list | tuple) and isinstance(b, str | bytes | list | tuple)
    if sequences and len(a) + len(b) > _MAX_ITEMS:
        raise ArithmeticError(f"the result has more than {_MAX_ITEMS} items")
    return a + b


def _lshift(a: Any, b: Any) -> Any:
    if isinstance(b, int) and b > _MAX_INT_BITS:
        raise ArithmeticError(f"the result has more than {_MAX_INT_BITS} bits")
    return _too_large(a << b)


_BOUNDED_OPERATORS: dict[Any, Any] = {
    **simpleeval.DEFAULT_OPERATORS,
    ast.Mult: _mult,
    ast.Pow: _power,
    ast.Add: _add,
    ast.LShift: _lshift,
}


def _evaluator(data: Mapping[str, Any]) -> simpleeval.EvalWithCompoundTypes:
    functions = dict(_PURE_FUNCTIONS)
    functions["get"] = lambda key, default=None: data.get(key, default)
    return simpleeval.EvalWithCompoundTypes(names=dict(data), functions=functions, operators=_BOUNDED_OPERATORS)


def check_condition(expression: str) -> str | None:
    """Check that ``expression`` is a supported condition.

    Returns:
        ``None`` when it is valid, otherwise the reason it is not.
    """
    if not expression.strip():
        return "the expression is empty"
    if len(expression) > _MAX_LENGTH:
        return f"the expression is {len(expression)} characters long, over the limit of {_MAX_LENGTH}"
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}"
    supported = _evaluator({}).nodes
    for node in ast.walk(tree):
        if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            return "comprehensions are not supported (their cost is not bounded)"
        if isinstance(node, ast.Attribute) and node.attr not in _LINEAR_METHODS:
            allowed = ", ".join(sorted(_LINEAR_METHODS))
            return f"the method or attribute {node.attr!r} is not supported (allowed: {allowed})"
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
