"""String conditions are evaluated safely, never with eval."""

from __future__ import annotations

import pytest

from litestar_workflows.rules.conditions import check_condition, evaluate_condition


@pytest.mark.parametrize(
    ("expression", "data", "expected"),
    [
        ("amount > 5000", {"amount": 6000}, True),
        ("amount > 5000", {"amount": 10}, False),
        ("approved == True", {"approved": True}, True),
        ("approved and not rejected", {"approved": True, "rejected": False}, True),
        ("region in ['eu', 'us']", {"region": "eu"}, True),
        ("len(items) >= 2", {"items": [1, 2]}, True),
        ("order['total'] > 3", {"order": {"total": 4}}, True),
        ("get('missing', 0) == 0", {}, True),
        ("status == 'approved' or amount < 100", {"status": "x", "amount": 50}, True),
    ],
)
def test_evaluates_expressions(expression: str, data: dict[str, object], expected: bool) -> None:
    assert check_condition(expression) is None
    assert evaluate_condition(expression, data) is expected


def test_unknown_name_is_an_error_not_false() -> None:
    with pytest.raises(ValueError, match="name 'amount' is not in the instance data"):
        evaluate_condition("amount > 1", {})


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "().__class__.__bases__[0].__subclasses__()",
        "open('/etc/passwd')",
        "rand() > 0.5",
    ],
)
def test_dangerous_or_nondeterministic_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        evaluate_condition(expression, {})


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("amount >", "syntax error"),
        ("", "empty"),
        ("x = 1", "syntax error"),
        ("lambda: 1", "Lambda expressions are not supported"),
    ],
)
def test_check_condition_explains_why(expression: str, reason: str) -> None:
    found = check_condition(expression)
    assert found is not None and reason in found
