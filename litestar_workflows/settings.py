"""One settings model read by the worker, the gateway and ``make run``.

Every value comes from an environment variable (names below) with a local default.
Temporal connection variables use Temporal's own conventional names.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Configuration of the worker, the gateway and the local dev stack.

    Attributes:
        temporal_address: ``TEMPORAL_ADDRESS`` — host:port of the Temporal frontend.
        temporal_namespace: ``TEMPORAL_NAMESPACE``.
        task_queue: ``TEMPORAL_TASK_QUEUE`` — queue the worker polls and instances run on.
        temporal_api_key: ``TEMPORAL_API_KEY`` — API key (Temporal Cloud); implies TLS.
        temporal_tls: ``TEMPORAL_TLS`` — connect with TLS.
        temporal_tls_client_cert_path: ``TEMPORAL_TLS_CLIENT_CERT_PATH`` — mTLS client certificate (PEM).
        temporal_tls_client_key_path: ``TEMPORAL_TLS_CLIENT_KEY_PATH`` — mTLS client key (PEM).
        temporal_tls_server_ca_cert_path: ``TEMPORAL_TLS_SERVER_CA_CERT_PATH`` — CA that signed the server.
        temporal_tls_server_name: ``TEMPORAL_TLS_SERVER_NAME`` — override of the TLS server name.
        definitions: ``WORKFLOWS_DEFINITIONS`` — ``module:attribute`` of the :class:`WorkflowRegistry`
            to load (comma-separated for several).
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    temporal_address: str = Field("localhost:7233", validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field("default", validation_alias="TEMPORAL_NAMESPACE")
    task_queue: str = Field("litestar-workflows", validation_alias="TEMPORAL_TASK_QUEUE")
    temporal_api_key: str | None = Field(None, validation_alias="TEMPORAL_API_KEY")
    temporal_tls: bool = Field(False, validation_alias="TEMPORAL_TLS")
    temporal_tls_client_cert_path: str | None = Field(None, validation_alias="TEMPORAL_TLS_CLIENT_CERT_PATH")
    temporal_tls_client_key_path: str | None = Field(None, validation_alias="TEMPORAL_TLS_CLIENT_KEY_PATH")
    temporal_tls_server_ca_cert_path: str | None = Field(None, validation_alias="TEMPORAL_TLS_SERVER_CA_CERT_PATH")
    temporal_tls_server_name: str | None = Field(None, validation_alias="TEMPORAL_TLS_SERVER_NAME")
    definitions: str = Field("examples.expense_approval:registry", validation_alias="WORKFLOWS_DEFINITIONS")
