"""Schemathesis driven by hand over a live gateway (its pytest integration does not run on pytest 9).

For every operation of the gateway's own OpenAPI document, ``examples`` positive and ``examples``
negative cases are generated, sent over real HTTP and checked: never a 5xx, and the response
conforms to the document (status code, content type, headers, body schema), plus Schemathesis'
other default checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import positive_data_acceptance

__all__ = ["FuzzReport", "fuzz"]


@dataclass
class FuzzReport:
    """What ran and what failed.

    Attributes:
        cases: Cases sent, per ``"METHOD /path mode"``.
        failures: One line per failing operation and mode.
        statuses: Response status counts, per ``"METHOD /path mode"``.
    """

    cases: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Cases sent in all."""
        return sum(self.cases.values())

    @property
    def operations(self) -> set[str]:
        """Operations exercised."""
        return {" ".join(key.split(" ")[:2]) for key in self.cases}


def _problem_pointers(response: Any) -> set[str]:
    try:
        body = response.json()
    except ValueError:
        return set()
    return {str(e.get("pointer")) for e in body.get("errors") or []} if isinstance(body, dict) else set()


def _identity_refusal(response: Any) -> bool:
    """Whether a 422 refuses only the identity a task goes to (blank, or too long once encoded)."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return bool(errors) and all(
        e.get("pointer") in ("/to_user", "/to_groups")
        and any(reason in str(e.get("message")) for reason in ("is blank", "once encoded"))
        for e in errors
    )


def _check_operation(
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    label: str,
    base_url: str,
    headers: dict[str, str],
    examples: int,
    report: FuzzReport,
    path_parameters: dict[str, str] | None,
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.target],
    )
    def run(case: Case[Any]) -> None:
        report.cases[label] += 1
        # Where Schemathesis means "a bearer token" put a real one; a missing or mangled header stays
        # as generated, so negative cases about credentials still expect (and get) a 401.
        if case.headers and str(case.headers.get("Authorization", "")).startswith("Bearer "):
            case.headers.update(headers)
        response = case.call(base_url=base_url, timeout=60)
        counts = report.statuses.setdefault(label, {})
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
        )
        excluded: list[Any] = []
        if response.status_code == 422 and case.path.endswith("/complete"):
            # Form data is checked against the step's own JSON Schema at run time (documented 422);
            # the generic body schema cannot say which step's form applies.
            excluded.append(positive_data_acceptance)
        if response.status_code == 400 and _problem_pointers(response) == {"/cursor"}:
            # A cursor is an opaque token the engine issued; a made-up one is a documented 400.
            excluded.append(positive_data_acceptance)
        if response.status_code == 400 and _problem_pointers(response) == {"/idempotency_key"}:
            # send-back: the header and the body's idempotency_key must agree (no schema can say so).
            excluded.append(positive_data_acceptance)
        if response.status_code == 422 and _identity_refusal(response):
            # A user id or group name must not be blank and must fit a visibility query once encoded
            # (bytes, not characters): a documented 422 that no schema pattern can say.
            excluded.append(positive_data_acceptance)
        if response.status_code == 412 and case.headers and "If-Match" in case.headers:
            # If-Match names a revision the instance must still have; a made-up one is a documented 412.
            excluded.append(positive_data_acceptance)
        case.validate_response(response, excluded_checks=excluded)

    run()


def fuzz(
    base_url: str, headers: Mapping[str, str], examples: int, targets: Mapping[str, str] | None = None
) -> FuzzReport:
    """Fuzz every operation of the gateway at ``base_url``, sending ``headers`` (credentials).

    With ``targets`` (path parameter values, e.g. a waiting task's ``instance_id`` and
    ``step_name``), each operation taking those parameters is fuzzed a second time with them
    fixed, so bodies and headers reach a real instance instead of a 404.
    """
    # The document needs a token like the routes it documents (WORKFLOWS_SCHEMA_PUBLIC off).
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json", headers=dict(headers))
    report = FuzzReport()
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the gateway's schema has an invalid operation: {result}"
        operations.append(result.ok())
    # Reads first, then starts and completions, cancellation last: the target instance should still
    # be waiting when the task routes are fuzzed.
    order = {"get": 0, "post": 1}
    operations.sort(key=lambda op: (op.path.endswith("/cancel"), order.get(op.method.lower(), 2)))
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        fixed = {k: v for k, v in (targets or {}).items() if k in names}
        variants: list[dict[str, str] | None] = [None] + ([fixed] if fixed and set(fixed) == names else [])
        for path_parameters in variants:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                label = f"{operation.method.upper()} {operation.path} {mode.value}" + (
                    " (target)" if path_parameters else ""
                )
                report.cases[label] = 0
                try:
                    _check_operation(operation, mode, label, base_url, dict(headers), examples, report, path_parameters)
                except Unsatisfiable:
                    # No input of this operation can violate its schema (no parameters, no body).
                    del report.cases[label]
                except (Exception, BaseExceptionGroup) as exc:  # every failing operation is reported
                    report.failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:3000]}")
    return report
