"""Opening a Temporal client from :class:`~litestar_workflows.settings.Settings`, and the
search attributes the interpreter workflow needs.

Used by ``worker.py``, the gateway, ``litestar-workflows setup`` and the test fixtures, so every
process connects the same way. The connection (address, namespace, API key, TLS / mTLS, gRPC
metadata) is Temporal's own client configuration, :mod:`temporalio.envconfig`: a TOML profile
(``TEMPORAL_CONFIG_FILE``, default ``~/.config/temporalio/temporal.toml``; ``TEMPORAL_PROFILE``)
overridden by the standard ``TEMPORAL_*`` variables, the same the ``temporal`` CLI reads. Values
given to :class:`Settings` explicitly (the worker's flags, tests) override both.

The data converter is :func:`~litestar_workflows.temporal.codec.data_converter` of the configured
encryption keys, and the client carries the tracing interceptor when tracing is on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.envconfig import ClientConfigProfile
from temporalio.service import RPCError, RPCStatusCode

from litestar_workflows.exceptions import EngineUnavailableError
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.codec import data_converter, parse_keys
from litestar_workflows.temporal.contracts import SEARCH_ATTRIBUTES

__all__ = ["SEARCH_ATTRIBUTES", "connect", "connect_options", "ensure_search_attributes"]

log = logging.getLogger(__name__)

_ENV_NAMES = {
    "temporal_address": "TEMPORAL_ADDRESS",
    "temporal_namespace": "TEMPORAL_NAMESPACE",
    "temporal_api_key": "TEMPORAL_API_KEY",
    "temporal_tls": "TEMPORAL_TLS",
    "temporal_tls_client_cert_path": "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "temporal_tls_client_key_path": "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "temporal_tls_server_ca_cert_path": "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "temporal_tls_server_name": "TEMPORAL_TLS_SERVER_NAME",
}
"""Settings fields that are Temporal's standard client variables (envconfig reads them)."""


def connect_options(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """``Client.connect`` keyword arguments (``target_host``, ``namespace``, ``api_key``, ``tls``,
    ``rpc_metadata``) from the envconfig profile, the environment and ``settings``.

    TLS is on when ``TEMPORAL_TLS`` is true, when an API key is given (unless ``TEMPORAL_TLS=false``)
    or when any TLS file or server name is given; mTLS with a client certificate and key.

    Raises:
        ValueError: Only one of the client certificate and key is given, a file cannot be read,
            or the profile file is malformed.
    """
    env = dict(os.environ if environ is None else environ)
    for name in settings.model_fields_set & _ENV_NAMES.keys():
        value = getattr(settings, name)
        if value is None:
            env.pop(_ENV_NAMES[name], None)
        else:
            env[_ENV_NAMES[name]] = str(value).lower() if isinstance(value, bool) else str(value)
    if bool(env.get("TEMPORAL_TLS_CLIENT_CERT_PATH")) != bool(env.get("TEMPORAL_TLS_CLIENT_KEY_PATH")):
        raise ValueError("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be given together (mTLS)")
    try:
        options: dict[str, Any] = dict(ClientConfigProfile.load(override_env_vars=env).to_client_connect_config())
    except OSError as exc:
        raise ValueError(f"cannot read a file of the Temporal client configuration: {exc}") from exc
    except RuntimeError as exc:
        raise ValueError(f"Temporal client configuration: {exc}") from exc
    options.setdefault("target_host", settings.temporal_address)
    options.setdefault("namespace", settings.temporal_namespace)
    return options


async def connect(settings: Settings | None = None, *, lazy: bool = False, **kwargs: Any) -> Client:
    """Connect to the Temporal service ``settings`` name (environment defaults when ``None``).

    Args:
        settings: Connection, encryption and tracing settings.
        lazy: Do not connect until the first call (a process can start while Temporal is down).
        **kwargs: Passed on to ``temporalio.client.Client.connect`` (e.g. ``identity``, ``runtime``);
            the data converter defaults to the one of the configured encryption keys.

    Raises:
        EngineUnavailableError: Temporal cannot be reached (only when not ``lazy``).
        ValueError: The client configuration or the encryption keys are invalid.
    """
    from litestar_workflows.temporal.telemetry import client_interceptors

    settings = settings or Settings()  # type: ignore[call-arg]
    options = connect_options(settings)
    target = options.pop("target_host")
    kwargs.setdefault("data_converter", data_converter(parse_keys(settings.codec_keys, settings.codec_keys_file)))
    interceptors = client_interceptors(settings)
    if interceptors:
        kwargs["interceptors"] = [*interceptors, *kwargs.get("interceptors", [])]
    try:
        return await Client.connect(target, lazy=lazy, **{**options, **kwargs})
    except RuntimeError as exc:
        # temporalio reports an unreachable server as RuntimeError("Failed client connect: ...").
        raise EngineUnavailableError(f"Temporal at {target} cannot be reached: {exc}") from exc


async def ensure_search_attributes(
    client: Client,
    namespace: str | None = None,
    attributes: Iterable[SearchAttributeKey[Any]] = SEARCH_ATTRIBUTES,
) -> list[str]:
    """Register the custom search attributes that are missing in ``namespace``.

    Idempotent. Where the operator API is not allowed (e.g. Temporal Cloud with an API key),
    a warning names the attributes to create by hand and nothing is raised.

    Returns:
        The names registered now.

    Raises:
        ValueError: An attribute exists with another type.
        EngineUnavailableError: Temporal cannot be reached.
    """
    namespace = namespace or client.namespace
    wanted = {key.name: IndexedValueType.ValueType(int(key.indexed_value_type)) for key in attributes}
    try:
        listing = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    except RPCError as exc:
        if exc.status in (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED):
            log.warning("cannot list search attributes (%s); make sure these exist: %s", exc.message, sorted(wanted))
            return []
        raise EngineUnavailableError(f"listing search attributes failed: {exc.message}") from exc
    existing = {**listing.system_attributes, **listing.custom_attributes}
    for name, kind in wanted.items():
        if name in existing and existing[name] != kind:
            raise ValueError(
                f"search attribute {name!r} exists as {IndexedValueType.Name(existing[name])}, "
                f"but litestar-workflows needs {IndexedValueType.Name(kind)}"
            )
    missing = {name: kind for name, kind in wanted.items() if name not in existing}
    if not missing:
        return []
    try:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.ALREADY_EXISTS:
            return []
        if exc.status in (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED):
            log.warning("cannot register search attributes (%s); create them by hand: %s", exc.message, missing)
            return []
        raise
    return sorted(missing)
