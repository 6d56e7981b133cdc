"""Opening a Temporal client from :class:`~litestar_workflows.settings.Settings`, and the
search attributes the interpreter workflow needs.

Used by ``worker.py``, the gateway and the test fixtures, so every process connects the
same way (address, namespace, TLS / mTLS, API key).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from litestar_workflows.exceptions import EngineUnavailableError
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.contracts import DATA_CONVERTER, SEARCH_ATTRIBUTES

__all__ = ["SEARCH_ATTRIBUTES", "connect", "ensure_search_attributes", "tls_config"]

log = logging.getLogger(__name__)


def _read(path: str | None, what: str) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the {what} at {path!r}: {exc.strerror}") from exc


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The ``tls`` argument of ``Client.connect`` for ``settings``.

    TLS is on when ``TEMPORAL_TLS`` is set, when an API key is given (Temporal Cloud) or
    when any certificate path is given; mTLS when a client certificate and key are given.

    Raises:
        ValueError: Only one of the client certificate and key is given, or a file cannot be read.
    """
    cert = settings.temporal_tls_client_cert_path
    key = settings.temporal_tls_client_key_path
    if bool(cert) != bool(key):
        raise ValueError("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH must be given together (mTLS)")
    wants_tls = (
        settings.temporal_tls
        or bool(settings.temporal_api_key)
        or bool(cert)
        or bool(settings.temporal_tls_server_ca_cert_path)
        or bool(settings.temporal_tls_server_name)
    )
    if not wants_tls:
        return False
    if not (cert or settings.temporal_tls_server_ca_cert_path or settings.temporal_tls_server_name):
        return True
    return TLSConfig(
        server_root_ca_cert=_read(settings.temporal_tls_server_ca_cert_path, "server CA certificate"),
        domain=settings.temporal_tls_server_name,
        client_cert=_read(cert, "client certificate"),
        client_private_key=_read(key, "client key"),
    )


async def connect(settings: Settings | None = None, *, lazy: bool = False, **kwargs: Any) -> Client:
    """Connect to the Temporal service ``settings`` name (environment defaults when ``None``).

    Args:
        settings: Connection settings.
        lazy: Do not connect until the first call (a process can start while Temporal is down).
        **kwargs: Passed on to ``temporalio.client.Client.connect`` (e.g. ``identity``); the data
            converter defaults to :data:`~litestar_workflows.temporal.contracts.DATA_CONVERTER`.

    Raises:
        EngineUnavailableError: Temporal cannot be reached (only when not ``lazy``).
        ValueError: The TLS settings are inconsistent.
    """
    settings = settings or Settings()  # type: ignore[call-arg]
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            api_key=settings.temporal_api_key or None,
            tls=tls_config(settings),
            lazy=lazy,
            **{"data_converter": DATA_CONVERTER, **kwargs},
        )
    except RuntimeError as exc:
        # temporalio reports an unreachable server as RuntimeError("Failed client connect: ...").
        raise EngineUnavailableError(f"Temporal at {settings.temporal_address} cannot be reached: {exc}") from exc


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
