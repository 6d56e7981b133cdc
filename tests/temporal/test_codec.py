"""The payload codec: round trip, key rotation, tampering, wrong keys, and the one data converter."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.exceptions import PayloadCodecError
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.codec import (
    ENCODING_ENCRYPTED,
    METADATA_KEY_ID,
    EncryptionCodec,
    EncryptionKey,
    data_converter,
    generate_key,
    parse_keys,
)
from litestar_workflows.temporal.contracts import DATA_CONVERTER, CompleteHumanTask
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import StartWorker
from tests.temporal import defs

FORM = CompleteHumanTask(step_name="manager_approval", user_id="bob", data={"approved": True, "comments": "SECRET-42"})


def key(key_id: str) -> EncryptionKey:
    return EncryptionKey(key_id, os.urandom(32))


async def test_round_trip_through_the_data_converter_hides_the_plaintext() -> None:
    converter = data_converter([key("k1")])
    payloads = await converter.encode([FORM, {"amount": 250.0}])
    for payload in payloads:
        assert payload.metadata["encoding"] == ENCODING_ENCRYPTED
        assert payload.metadata[METADATA_KEY_ID] == b"k1"
        assert b"SECRET-42" not in payload.SerializeToString()
    assert await converter.decode(payloads, [CompleteHumanTask, dict]) == [FORM, {"amount": 250.0}]
    # The same value encrypts differently every time (random nonce).
    again = await converter.encode([FORM])
    assert again[0].data != payloads[0].data


async def test_without_keys_the_converter_is_the_plain_one() -> None:
    assert data_converter([]) is DATA_CONVERTER
    assert data_converter(parse_keys(Settings().codec_keys)) is DATA_CONVERTER  # type: ignore[call-arg]


async def test_rotation_newest_encrypts_every_key_decrypts() -> None:
    old, new = key("2024"), key("2025")
    before = await EncryptionCodec([old]).encode([Payload(data=b"written last year")])
    rotated = EncryptionCodec([new, old])
    assert rotated.key_ids == ["2025", "2024"]
    after = await rotated.encode([Payload(data=b"written now")])
    assert after[0].metadata[METADATA_KEY_ID] == b"2025"
    decoded = await rotated.decode([*before, *after])
    assert [p.data for p in decoded] == [b"written last year", b"written now"]
    # Plain payloads (written before encryption was switched on) pass through.
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"a":1}')
    assert await rotated.decode([plain]) == [plain]


async def test_tampering_is_detected() -> None:
    codec = EncryptionCodec([key("k1"), key("k2")])
    (sealed,) = await codec.encode([Payload(data=b"approved")])
    flipped = Payload()
    flipped.CopyFrom(sealed)
    flipped.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(PayloadCodecError, match="failed authentication"):
        await codec.decode([flipped])
    # Moving a payload under another configured key id fails too (the id is authenticated).
    relabelled = Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata[METADATA_KEY_ID] = b"k2"
    with pytest.raises(PayloadCodecError, match="failed authentication"):
        await codec.decode([relabelled])
    truncated = Payload(metadata=dict(sealed.metadata), data=sealed.data[:5])
    with pytest.raises(PayloadCodecError, match="truncated"):
        await codec.decode([truncated])


async def test_a_wrong_or_unknown_key_is_refused() -> None:
    (sealed,) = await EncryptionCodec([key("k1")]).encode([Payload(data=b"approved")])
    with pytest.raises(PayloadCodecError, match="failed authentication"):
        await EncryptionCodec([key("k1")]).decode([sealed])  # same id, other secret
    with pytest.raises(PayloadCodecError, match="key 'k1', which is not configured"):
        await EncryptionCodec([key("k9")]).decode([sealed])


def test_keys_are_parsed_and_checked(tmp_path: Path) -> None:
    first, second, third = generate_key("new"), generate_key("old"), generate_key("older")
    key_file = tmp_path / "keys"
    key_file.write_text(f"# retired in 2026\n{third}\n\n")
    keys = parse_keys(f"{first}, {second}", str(key_file))
    assert [k.key_id for k in keys] == ["new", "old", "older"]
    assert "secret" not in repr(keys[0])  # never printed
    short = base64.b64encode(b"x" * 16).decode()
    for spec, message in (
        ("k1", "must be '<id>:<base64 of 32 bytes>'"),
        (f"k1:{short}", "must be 32 bytes"),
        ("k1:not base64!", "not valid base64"),
        (f"bad id:{base64.b64encode(os.urandom(32)).decode()}", "must be 1-64 letters"),
        (f"{first},{first}", "must be unique"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_keys(spec)
    with pytest.raises(ValueError, match="cannot be read"):
        parse_keys(None, "/nonexistent/keys")


async def test_a_failing_step_over_encryption_reads_back_and_leaves_no_plain_error(
    temporal_client: Client, start_temporal_worker: StartWorker
) -> None:
    """Failure messages move into the encrypted attributes; the engine still reads them."""
    encrypted = Client(
        temporal_client.service_client,
        namespace=temporal_client.namespace,
        data_converter=data_converter([key("k1")]),
    )
    registry = defs.build_registry()
    async with start_temporal_worker(registry, client=encrypted) as queue:
        engine = TemporalExecutionEngine(registry, encrypted, queue, settle_timeout=20)
        instance = await engine.start_workflow("doomed_flow", {"note": "SECRET-input-1"})
        assert instance.status == WorkflowStatus.FAILED
        assert instance.error == "Step 'doomed' failed: PermanentError: the ledger is closed"
        assert (await engine.get_instance(instance.id)).error == instance.error
        events = [e async for e in temporal_client.get_workflow_handle(instance.id).fetch_history_events()]
        raw = b"".join(event.SerializeToString() for event in events)
    assert b"the ledger is closed" not in raw
    assert b"SECRET-input-1" not in raw
