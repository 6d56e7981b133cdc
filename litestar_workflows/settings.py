"""One settings model read by the worker, the gateway and ``make run``.

Every value comes from an environment variable (names below) with a local default.
Temporal connection variables use Temporal's own conventional names.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from litestar_workflows.rules.budgets import SizeBudgets

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Configuration of the worker, the gateway and the local dev stack.

    Attributes:
        temporal_address: ``TEMPORAL_ADDRESS`` — host:port of the Temporal frontend.
        temporal_namespace: ``TEMPORAL_NAMESPACE`` — Temporal namespace of the instances.
        task_queue: ``TEMPORAL_TASK_QUEUE`` — queue the worker polls and instances run on.
        temporal_api_key: ``TEMPORAL_API_KEY`` — API key (Temporal Cloud); implies TLS.
        temporal_tls: ``TEMPORAL_TLS`` — connect with TLS.
        temporal_tls_client_cert_path: ``TEMPORAL_TLS_CLIENT_CERT_PATH`` — mTLS client certificate (PEM).
        temporal_tls_client_key_path: ``TEMPORAL_TLS_CLIENT_KEY_PATH`` — mTLS client key (PEM).
        temporal_tls_server_ca_cert_path: ``TEMPORAL_TLS_SERVER_CA_CERT_PATH`` — CA that signed the server.
        temporal_tls_server_name: ``TEMPORAL_TLS_SERVER_NAME`` — override of the TLS server name.
        definitions: ``WORKFLOWS_DEFINITIONS`` — ``module:attribute`` of the :class:`WorkflowRegistry`
            to load (comma-separated for several); ``litestar-workflows dev`` uses ``examples:registry``
            (every example) unless this is set.
        dev_temporal_port: ``DEV_TEMPORAL_PORT`` — ``litestar-workflows dev``: gRPC port of the
            embedded Temporal dev server (bound to 127.0.0.1).
        dev_temporal_ui_port: ``DEV_TEMPORAL_UI_PORT`` — ``litestar-workflows dev``: port of the Temporal Web UI.
        dev_data_dir: ``DEV_DATA_DIR`` — ``litestar-workflows dev``: directory of the SQLite database,
            the logs and the dev signing secret (instances survive a restart).
        dev_ready_timeout: ``DEV_READY_TIMEOUT`` — ``litestar-workflows dev``: seconds each process may
            take to become ready.
        dev_stop_timeout: ``DEV_STOP_TIMEOUT`` — ``litestar-workflows dev``: seconds each process may take
            to exit after SIGTERM before it is killed.
        host: ``WORKFLOWS_HOST`` — gateway: address it binds to (``127.0.0.1``).
        port: ``WORKFLOWS_PORT`` — gateway: port it listens on (``8000``).
        jwt_secret: ``WORKFLOWS_JWT_SECRET`` — gateway: shared secret of HS256/384/512 bearer tokens.
        jwt_public_key: ``WORKFLOWS_JWT_PUBLIC_KEY`` — gateway: PEM text of the public key of RS/ES/PS-signed
            tokens (or see ``jwt_public_key_file``).
        jwt_public_key_file: ``WORKFLOWS_JWT_PUBLIC_KEY_FILE`` — gateway: path of a PEM public key file.
        jwt_algorithm: ``WORKFLOWS_JWT_ALGORITHM`` — gateway: token algorithm, ``HS256`` (default), ``RS256``, ...
        jwt_issuer: ``WORKFLOWS_JWT_ISSUER`` — gateway: required ``iss`` claim, if set.
        jwt_audience: ``WORKFLOWS_JWT_AUDIENCE`` — gateway: required ``aud`` claim, if set.
        jwt_groups_claim: ``WORKFLOWS_JWT_GROUPS_CLAIM`` — gateway: claim listing the user's groups (``groups``).
        dev_tokens: ``WORKFLOWS_DEV_TOKENS`` — gateway: local development mode, ``GET /dev/token`` mints tokens
            for demo users; the gateway refuses to start in this mode unless bound to a loopback address.
        admin_groups: ``WORKFLOWS_ADMIN_GROUPS`` — gateway: groups allowed to cancel any instance
            (comma-separated; the user who started an instance may always cancel it).
        max_body_size: ``WORKFLOWS_MAX_BODY_SIZE`` — gateway: largest accepted request body in bytes (413 above).
        settle_timeout: ``WORKFLOWS_SETTLE_TIMEOUT`` — gateway: seconds a request waits for the instance to
            settle before answering 202 with a link to the instance (the request is not lost).
        ready_timeout: ``WORKFLOWS_READY_TIMEOUT`` — gateway: seconds ``GET /ready`` waits for Temporal.
        retry_after: ``WORKFLOWS_RETRY_AFTER`` — gateway: seconds advertised in ``Retry-After`` on 503.
        cors_origins: ``WORKFLOWS_CORS_ORIGINS`` — gateway: allowed CORS origins (comma-separated); CORS is
            off when empty (the default).
        budget_completion_bytes: ``WORKFLOWS_BUDGET_COMPLETION_BYTES`` — form data of one completion
            (bytes of JSON; see docs/reliability.md for every budget and why).
        budget_comment_bytes: ``WORKFLOWS_BUDGET_COMMENT_BYTES`` — comment of one completion.
        budget_initial_data_bytes: ``WORKFLOWS_BUDGET_INITIAL_DATA_BYTES`` — data an instance starts with.
        budget_instance_data_bytes: ``WORKFLOWS_BUDGET_INSTANCE_DATA_BYTES`` — an instance's data as a whole.
        budget_step_output_bytes: ``WORKFLOWS_BUDGET_STEP_OUTPUT_BYTES`` — what one machine step returns.
        budget_max_depth: ``WORKFLOWS_BUDGET_MAX_DEPTH`` — nesting depth of JSON a caller sends.
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

    # --- gateway -------------------------------------------------------------------------
    host: str = Field("127.0.0.1", validation_alias="WORKFLOWS_HOST")
    port: int = Field(8000, ge=1, le=65535, validation_alias="WORKFLOWS_PORT")
    jwt_secret: str | None = Field(None, validation_alias="WORKFLOWS_JWT_SECRET", repr=False)
    jwt_public_key: str | None = Field(None, validation_alias="WORKFLOWS_JWT_PUBLIC_KEY", repr=False)
    jwt_public_key_file: str | None = Field(None, validation_alias="WORKFLOWS_JWT_PUBLIC_KEY_FILE")
    jwt_algorithm: str = Field("HS256", validation_alias="WORKFLOWS_JWT_ALGORITHM")
    jwt_issuer: str | None = Field(None, validation_alias="WORKFLOWS_JWT_ISSUER")
    jwt_audience: str | None = Field(None, validation_alias="WORKFLOWS_JWT_AUDIENCE")
    jwt_groups_claim: str = Field("groups", validation_alias="WORKFLOWS_JWT_GROUPS_CLAIM")
    dev_tokens: bool = Field(False, validation_alias="WORKFLOWS_DEV_TOKENS")
    admin_groups: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["admins"], validation_alias="WORKFLOWS_ADMIN_GROUPS"
    )
    max_body_size: int = Field(1_048_576, ge=1024, validation_alias="WORKFLOWS_MAX_BODY_SIZE")
    settle_timeout: float = Field(10.0, gt=0, validation_alias="WORKFLOWS_SETTLE_TIMEOUT")
    ready_timeout: float = Field(2.0, gt=0, validation_alias="WORKFLOWS_READY_TIMEOUT")
    retry_after: int = Field(5, ge=1, validation_alias="WORKFLOWS_RETRY_AFTER")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="WORKFLOWS_CORS_ORIGINS"
    )

    @field_validator("admin_groups", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        # Environment variables carry lists as "a,b,c"; Python callers may pass a real list.
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    # --- size budgets (rules/budgets.py), fixed into each instance when it starts ---------------
    # Capped so that an instance's whole state stays under Temporal's 2 MiB payload limit.
    budget_completion_bytes: int = Field(
        SizeBudgets.completion_bytes, ge=1024, le=512 * 1024, validation_alias="WORKFLOWS_BUDGET_COMPLETION_BYTES"
    )
    budget_comment_bytes: int = Field(
        SizeBudgets.comment_bytes, ge=256, le=32 * 1024, validation_alias="WORKFLOWS_BUDGET_COMMENT_BYTES"
    )
    budget_initial_data_bytes: int = Field(
        SizeBudgets.initial_data_bytes, ge=1024, le=512 * 1024, validation_alias="WORKFLOWS_BUDGET_INITIAL_DATA_BYTES"
    )
    budget_instance_data_bytes: int = Field(
        SizeBudgets.instance_data_bytes,
        ge=1024,
        le=768 * 1024,
        validation_alias="WORKFLOWS_BUDGET_INSTANCE_DATA_BYTES",
    )
    budget_step_output_bytes: int = Field(
        SizeBudgets.step_output_bytes, ge=1024, le=768 * 1024, validation_alias="WORKFLOWS_BUDGET_STEP_OUTPUT_BYTES"
    )
    budget_max_depth: int = Field(SizeBudgets.max_depth, ge=2, le=200, validation_alias="WORKFLOWS_BUDGET_MAX_DEPTH")

    def budgets(self) -> SizeBudgets:
        """The size budgets these settings give new instances."""
        return SizeBudgets(
            completion_bytes=self.budget_completion_bytes,
            comment_bytes=self.budget_comment_bytes,
            initial_data_bytes=self.budget_initial_data_bytes,
            instance_data_bytes=self.budget_instance_data_bytes,
            step_output_bytes=self.budget_step_output_bytes,
            max_depth=self.budget_max_depth,
        )

    # --- local dev stack (`make run`): always bound to 127.0.0.1; the gateway uses `port` -----------
    dev_temporal_port: int = Field(7233, ge=1, le=65535, validation_alias="DEV_TEMPORAL_PORT")
    dev_temporal_ui_port: int = Field(8233, ge=1, le=65535, validation_alias="DEV_TEMPORAL_UI_PORT")
    dev_data_dir: str = Field(".data", validation_alias="DEV_DATA_DIR")
    dev_ready_timeout: float = Field(60.0, gt=0, validation_alias="DEV_READY_TIMEOUT")
    dev_stop_timeout: float = Field(10.0, gt=0, validation_alias="DEV_STOP_TIMEOUT")
