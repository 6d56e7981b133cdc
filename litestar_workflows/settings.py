"""One settings model read by the worker, the gateway and ``make run``.

Every value comes from an environment variable (names below) with a local default.
Temporal connection variables use Temporal's own conventional names.
"""

from __future__ import annotations

from typing import Annotated, Literal

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
            the logs, the dev signing secret and the dev encryption key (instances survive a restart).
        dev_worker_metrics_port: ``DEV_WORKER_METRICS_PORT`` — ``litestar-workflows dev``: port of the
            worker's Prometheus metrics.
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
        dev_jwt_secret: ``WORKFLOWS_DEV_JWT_SECRET`` — gateway, development mode only: the dev stack's throwaway
            key that signs and verifies demo tokens (``WORKFLOWS_JWT_SECRET`` is ignored in that mode).
        jwt_leeway: ``WORKFLOWS_JWT_LEEWAY`` — gateway: seconds of clock skew tolerated on ``exp``/``iat``/``nbf``
            (``10``; at most 300).
        completion_signals: ``WORKFLOWS_COMPLETION_SIGNALS`` — whether instances accept the completion
            *signal* (it reaches Temporal without passing the gateway's authentication; see docs/security.md).
            Fixed into each instance at its start.
        body_timeout: ``WORKFLOWS_BODY_TIMEOUT`` — gateway: seconds the next chunk of a request body may take
            to arrive before the request is answered 408 (a stalled upload does not hold a connection).
        schema_public: ``WORKFLOWS_SCHEMA_PUBLIC`` — gateway: ``/schema`` (the OpenAPI document, with every
            form) is served without a token; off by default, it then needs one like the routes it documents.
        dev_tokens: ``WORKFLOWS_DEV_TOKENS`` — gateway: local development mode, ``GET /dev/token`` mints tokens
            for demo users; the gateway refuses to start in this mode unless bound to a loopback address.
        admin_groups: ``WORKFLOWS_ADMIN_GROUPS`` — gateway: groups allowed to read and cancel any instance
            (comma-separated; the user who started an instance may always cancel it; docs/security.md).
        max_body_size: ``WORKFLOWS_MAX_BODY_SIZE`` — gateway: largest accepted request body in bytes (413 above).
        settle_timeout: ``WORKFLOWS_SETTLE_TIMEOUT`` — gateway: seconds a request waits for the instance to
            settle before answering 202 with a link to the instance (the request is not lost).
        ready_timeout: ``WORKFLOWS_READY_TIMEOUT`` — gateway: seconds ``GET /ready`` waits for Temporal.
        retry_after: ``WORKFLOWS_RETRY_AFTER`` — gateway: seconds advertised in ``Retry-After`` on 503.
        cors_origins: ``WORKFLOWS_CORS_ORIGINS`` — gateway: allowed CORS origins (comma-separated); CORS is
            off when empty (the default).
        temporal_ui_url: ``WORKFLOWS_TEMPORAL_UI_URL`` — gateway: base URL of the Temporal Web UI; the task
            UI's instance pages link to it when set (``litestar-workflows dev`` sets it).
        budget_completion_bytes: ``WORKFLOWS_BUDGET_COMPLETION_BYTES`` — form data of one completion
            (bytes of JSON; see docs/reliability.md for every budget and why).
        budget_comment_bytes: ``WORKFLOWS_BUDGET_COMMENT_BYTES`` — comment of one completion.
        budget_initial_data_bytes: ``WORKFLOWS_BUDGET_INITIAL_DATA_BYTES`` — data an instance starts with.
        budget_instance_data_bytes: ``WORKFLOWS_BUDGET_INSTANCE_DATA_BYTES`` — an instance's data as a whole.
        budget_step_output_bytes: ``WORKFLOWS_BUDGET_STEP_OUTPUT_BYTES`` — what one machine step returns.
        budget_max_depth: ``WORKFLOWS_BUDGET_MAX_DEPTH`` — nesting depth of JSON a caller sends.
        codec_keys: ``WORKFLOWS_CODEC_KEYS`` — payload encryption keys ``<id>:<base64 of 32 bytes>``,
            comma-separated, newest (encrypting) first; empty: payloads are not encrypted. Worker, gateway
            and set-up must get the same keys.
        codec_keys_file: ``WORKFLOWS_CODEC_KEYS_FILE`` — a file with more keys in the same form (one a line).
        codec_cors_origins: ``WORKFLOWS_CODEC_CORS_ORIGINS`` — gateway: origin(s) of the Temporal Web UI that
            may call the codec server (``/codec/encode``, ``/codec/decode``).
        codec_operator_groups: ``WORKFLOWS_CODEC_OPERATOR_GROUPS`` — gateway: groups whose tokens may use the
            codec server (``operators``).
        codec_allow_anonymous: ``WORKFLOWS_CODEC_ALLOW_ANONYMOUS`` — gateway: the codec server accepts requests
            without a token; only together with ``WORKFLOWS_DEV_TOKENS`` (loopback), for the dev server's UI.
        metrics: ``WORKFLOWS_METRICS`` — gateway: serve Prometheus metrics at ``/metrics``.
        metrics_refresh_interval: ``WORKFLOWS_METRICS_REFRESH_INTERVAL`` — gateway: seconds between the
            visibility counts of waiting and overdue tasks.
        metrics_overdue_after: ``WORKFLOWS_METRICS_OVERDUE_AFTER`` — seconds after which a waiting task of a
            step without a deadline counts as overdue.
        worker_metrics_bind: ``WORKER_METRICS_BIND`` — worker: ``host:port`` of the SDK's Prometheus endpoint.
        worker_health_bind: ``WORKER_HEALTH_BIND`` — worker: ``host:port`` of ``/health`` and ``/ready``.
        tracing: ``WORKFLOWS_TRACING`` — OpenTelemetry traces (exported by OTLP when
            ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set); on by itself when that variable is set.
        otlp_endpoint: ``OTEL_EXPORTER_OTLP_ENDPOINT`` — OpenTelemetry's own variable: base URL of the OTLP/HTTP
            collector traces are sent to (e.g. ``http://otel-collector:4318``); switches tracing on.
        log_format: ``WORKFLOWS_LOG_FORMAT`` — ``text`` or ``json`` (one object a line) for worker and gateway.
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
    dev_jwt_secret: str | None = Field(None, validation_alias="WORKFLOWS_DEV_JWT_SECRET", repr=False)
    jwt_leeway: float = Field(10.0, ge=0, le=300, validation_alias="WORKFLOWS_JWT_LEEWAY")
    completion_signals: bool = Field(True, validation_alias="WORKFLOWS_COMPLETION_SIGNALS")
    schema_public: bool = Field(False, validation_alias="WORKFLOWS_SCHEMA_PUBLIC")
    body_timeout: float = Field(30.0, gt=0, le=600, validation_alias="WORKFLOWS_BODY_TIMEOUT")
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
    temporal_ui_url: str | None = Field(None, max_length=2000, validation_alias="WORKFLOWS_TEMPORAL_UI_URL")

    @field_validator("admin_groups", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        # Environment variables carry lists as "a,b,c"; Python callers may pass a real list.
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    # --- operations (docs/operations.md): encryption, codec server, metrics, traces, logs ------------
    codec_keys: str | None = Field(None, validation_alias="WORKFLOWS_CODEC_KEYS", repr=False)
    codec_keys_file: str | None = Field(None, validation_alias="WORKFLOWS_CODEC_KEYS_FILE")
    codec_cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="WORKFLOWS_CODEC_CORS_ORIGINS"
    )
    codec_operator_groups: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["operators"], validation_alias="WORKFLOWS_CODEC_OPERATOR_GROUPS"
    )
    codec_allow_anonymous: bool = Field(False, validation_alias="WORKFLOWS_CODEC_ALLOW_ANONYMOUS")
    metrics: bool = Field(False, validation_alias="WORKFLOWS_METRICS")
    metrics_refresh_interval: float = Field(60.0, ge=1, validation_alias="WORKFLOWS_METRICS_REFRESH_INTERVAL")
    metrics_overdue_after: float = Field(86_400.0, gt=0, validation_alias="WORKFLOWS_METRICS_OVERDUE_AFTER")
    worker_metrics_bind: str | None = Field(None, validation_alias="WORKER_METRICS_BIND")
    worker_health_bind: str | None = Field(None, validation_alias="WORKER_HEALTH_BIND")
    tracing: bool = Field(False, validation_alias="WORKFLOWS_TRACING")
    otlp_endpoint: str | None = Field(None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    log_format: Literal["text", "json"] = Field("text", validation_alias="WORKFLOWS_LOG_FORMAT")

    @field_validator("codec_cors_origins", "codec_operator_groups", mode="before")
    @classmethod
    def _split_operations_lists(cls, value: object) -> object:
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
    dev_worker_metrics_port: int = Field(9464, ge=1, le=65535, validation_alias="DEV_WORKER_METRICS_PORT")
    dev_ready_timeout: float = Field(60.0, gt=0, validation_alias="DEV_READY_TIMEOUT")
    dev_stop_timeout: float = Field(10.0, gt=0, validation_alias="DEV_STOP_TIMEOUT")
