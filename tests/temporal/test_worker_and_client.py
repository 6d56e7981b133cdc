"""worker.py's command line and registry loading, the client helper (TLS, search attributes),
and the error wire format."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import Client
from temporalio.service import TLSConfig
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

import worker
from litestar_workflows.exceptions import (
    EngineUnavailableError,
    FieldError,
    FormValidationError,
    StepNotWaitingError,
    TaskAlreadyCompletedError,
    UnauthorizedTaskError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
    WorkflowInstanceNotFoundError,
    WorkflowsError,
)
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.client import connect, connect_options, ensure_search_attributes
from litestar_workflows.temporal.contracts import SEARCH_ATTRIBUTES, error_details, error_from_details
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import start_dev_server

ROOT = Path(__file__).resolve().parents[2]


def settings(**values: object) -> Settings:
    return Settings.model_validate({k.upper(): v for k, v in values.items()})


def test_help_documents_every_option() -> None:
    out = subprocess.run(
        [sys.executable, "worker.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for option in worker.build_parser()._actions:
        for flag in option.option_strings:
            assert flag in out
        if option.option_strings and option.dest != "help":
            assert option.help, f"{option.option_strings} has no help"
    for variable in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "TEMPORAL_API_KEY"):
        assert variable in out
    assert "WORKFLOWS_DEFINITIONS" in out and "examples.expense_approval:registry" in out


def test_bad_definitions_exit_with_a_clear_message() -> None:
    result = subprocess.run(
        [sys.executable, "worker.py", "--definitions", "no_such_module:registry"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "definitions entry 'no_such_module:registry' cannot be loaded" in result.stderr


def test_unreachable_temporal_exits_with_a_clear_message() -> None:
    result = subprocess.run(
        [sys.executable, "worker.py", "--address", "127.0.0.1:1"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Temporal at 127.0.0.1:1 cannot be reached" in result.stderr


def test_load_registry_merges_and_rejects_bad_entries() -> None:
    merged = worker.load_registry("examples.expense_approval:registry, tests.temporal.defs:registry")
    assert merged.has_workflow("expense_approval") and merged.has_workflow("flaky_flow")
    single = worker.load_registry("examples.expense_approval:registry")
    from examples.expense_approval import registry

    assert single is registry
    for spec, message in (
        ("", "no definitions given"),
        ("examples.expense_approval", "not of the form module:attribute"),
        ("examples.expense_approval:nothing", "cannot be loaded"),
        ("examples.expense_approval:expense_workflow", "is a WorkflowDefinition, not a WorkflowRegistry"),
    ):
        with pytest.raises(ValueError, match=message):
            worker.load_registry(spec)


def test_tls_settings(tmp_path: Path) -> None:
    def tls(**values: object) -> object:
        return connect_options(settings(**values), environ={}).get("tls", False)

    assert tls() is False
    assert tls(temporal_tls=True) not in (False, None)
    assert tls(temporal_api_key="k") is True
    cert, key, ca = tmp_path / "c.pem", tmp_path / "k.pem", tmp_path / "ca.pem"
    for path in (cert, key, ca):
        path.write_bytes(f"pem of {path.name}".encode())
    mtls = tls(
        temporal_tls_client_cert_path=str(cert),
        temporal_tls_client_key_path=str(key),
        temporal_tls_server_ca_cert_path=str(ca),
        temporal_tls_server_name="temporal.internal",
    )
    assert isinstance(mtls, TLSConfig)
    assert (mtls.client_cert, mtls.client_private_key, mtls.server_root_ca_cert, mtls.domain) == (
        b"pem of c.pem",
        b"pem of k.pem",
        b"pem of ca.pem",
        "temporal.internal",
    )
    with pytest.raises(ValueError, match="must be given together"):
        tls(temporal_tls_client_cert_path=str(cert))
    with pytest.raises(ValueError, match="cannot read a file"):
        tls(temporal_tls_client_cert_path=str(cert), temporal_tls_client_key_path=str(tmp_path / "missing"))


def test_client_configuration_profiles_and_standard_variables(tmp_path: Path) -> None:
    """temporalio.envconfig: a TOML profile, TEMPORAL_* variables over it, explicit settings over both."""
    config = tmp_path / "temporal.toml"
    config.write_text(
        '[profile.default]\naddress = "file-host:7233"\nnamespace = "file-ns"\n'
        '[profile.cloud]\naddress = "cloud-host:7233"\nnamespace = "cloud-ns"\napi_key = "from-file"\n'
        '[profile.cloud.grpc_meta]\nx-tenant = "acme"\n'
    )
    env = {"TEMPORAL_CONFIG_FILE": str(config)}
    plain = connect_options(Settings(), environ=env)  # type: ignore[call-arg]
    assert (plain["target_host"], plain["namespace"]) == ("file-host:7233", "file-ns")
    cloud = connect_options(Settings(), environ={**env, "TEMPORAL_PROFILE": "cloud"})  # type: ignore[call-arg]
    assert (cloud["target_host"], cloud["api_key"], cloud["tls"]) == ("cloud-host:7233", "from-file", True)
    assert cloud["rpc_metadata"] == {"x-tenant": "acme"}
    overridden = connect_options(Settings(), environ={**env, "TEMPORAL_NAMESPACE": "env-ns"})  # type: ignore[call-arg]
    assert overridden["namespace"] == "env-ns"
    explicit = connect_options(settings(temporal_address="flag-host:1"), environ=env)
    assert (explicit["target_host"], explicit["namespace"]) == ("flag-host:1", "file-ns")
    # Nothing configured anywhere: the local default.
    default = connect_options(Settings(), environ={"TEMPORAL_CONFIG_FILE": str(tmp_path / "none.toml")})  # type: ignore[call-arg]
    assert (default["target_host"], default["namespace"]) == ("localhost:7233", "default")


async def test_connect_to_nothing_is_engine_unavailable() -> None:
    with pytest.raises(EngineUnavailableError, match="127.0.0.1:1"):
        await connect(settings(temporal_address="127.0.0.1:1"))


async def test_search_attributes_are_registered_once_and_type_clashes_are_refused() -> None:
    env = await start_dev_server(search_attributes=())
    try:
        added = await ensure_search_attributes(env.client)
        assert added == sorted(key.name for key in SEARCH_ATTRIBUTES)
        assert await ensure_search_attributes(env.client) == []
    finally:
        await env.shutdown()
    from temporalio.common import SearchAttributeKey

    clash = await start_dev_server(search_attributes=(SearchAttributeKey.for_keyword("WaitingOn"),))
    try:
        with pytest.raises(ValueError, match="'WaitingOn' exists as INDEXED_VALUE_TYPE_KEYWORD"):
            await ensure_search_attributes(clash.client)
    finally:
        await clash.shutdown()


def test_at_most_three_keyword_lists() -> None:
    kinds = [key.indexed_value_type for key in SEARCH_ATTRIBUTES]
    from temporalio.common import SearchAttributeIndexedValueType

    assert kinds.count(SearchAttributeIndexedValueType.KEYWORD_LIST) <= 3


@pytest.mark.parametrize(
    "error",
    [
        FormValidationError("s", [FieldError("/a", "'a' is a required property"), FieldError("", "bad")]),
        TaskAlreadyCompletedError("i", "s", "bob"),
        StepNotWaitingError("i", "s", "the instance is waiting at 't'"),
        UnauthorizedTaskError("i", "s", "mallory", "only members of 'managers' may complete it"),
        WorkflowAlreadyCompletedError("i", "completed"),
        WorkflowAlreadyExistsError("i", "the business key was used with different data"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_cross_the_wire_intact(error: WorkflowsError) -> None:
    rebuilt = error_from_details(type(error).__name__, "ignored", error_details(error))
    assert type(rebuilt) is type(error)
    assert str(rebuilt) == str(error)
    assert vars(rebuilt) == vars(error)


def test_unknown_error_types_become_the_root_error() -> None:
    rebuilt = error_from_details("SomethingNew", "it broke", None)
    assert type(rebuilt) is WorkflowsError and str(rebuilt) == "it broke"


async def test_payload_converter_is_wire_compatible_with_the_default() -> None:
    from datetime import UTC, datetime

    from temporalio.converter import DataConverter

    from litestar_workflows.rules.state import InstanceState, PendingTask
    from litestar_workflows.temporal.contracts import DATA_CONVERTER

    now = datetime.now(UTC)
    state = InstanceState(
        "i",
        "n",
        "1.0.0",
        now,
        data={"a": [1, {"b": None}]},
        pending=[PendingTask("i", "n", "1.0.0", "s", "T", "", {"type": "object"}, None, ("g",), now)],
        arrivals={"j": 2},
    )
    ours = await DATA_CONVERTER.encode([state])
    theirs = await DataConverter.default.encode([state])
    assert ours == theirs
    assert (await DATA_CONVERTER.decode(theirs, [InstanceState]))[0] == state
    assert (await DataConverter.default.decode(ours, [InstanceState]))[0] == state


async def test_engine_over_a_client_with_the_default_converter(temporal_address: str, temporal_worker: object) -> None:

    from examples import build_registry
    from tests.conftest import TEMPORAL_TASK_QUEUE

    client = await Client.connect(temporal_address)
    engine = TemporalExecutionEngine(build_registry(), client, TEMPORAL_TASK_QUEUE, settle_timeout=20)
    instance = await engine.start_workflow("expense_approval", {"amount": 10})
    await engine.complete_human_task(instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"])
    assert instance.status.value == "completed"


@workflow.defn(name="tests.NotAnInstance")
class NotAnInstance:
    """Some other workflow sharing the namespace."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def test_other_workflows_in_the_namespace_are_not_instances(
    temporal_client: Client, temporal_engine: TemporalExecutionEngine
) -> None:
    queue = f"tests-other-{uuid.uuid4().hex[:8]}"
    # Unsandboxed: this test module is no workflow module (it imports the worker, paths, ...).
    async with Worker(
        temporal_client, task_queue=queue, workflows=[NotAnInstance], workflow_runner=UnsandboxedWorkflowRunner()
    ):
        handle = await temporal_client.start_workflow(NotAnInstance.run, id=f"other-{queue}", task_queue=queue)
        try:
            with pytest.raises(WorkflowInstanceNotFoundError):
                await temporal_engine.get_instance(handle.id)
        finally:
            await handle.terminate()
