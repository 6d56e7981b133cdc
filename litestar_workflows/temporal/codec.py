"""Payload encryption: an AES-256-GCM :class:`~temporalio.converter.PayloadCodec` with key rotation.

Every payload Temporal stores for an instance — workflow input (the initial data), update and
signal arguments (submitted forms), activity inputs and results, query answers, memo, the
Web UI's current details and, with encryption on, failure messages — passes through the codec
of :func:`data_converter`. Temporal, its database and anyone with access to either then only see
ciphertext; the gateway's codec server (``api/codec.py``) decrypts for authorised operators.

Wire format of an encrypted payload: metadata ``encoding = binary/encrypted`` and
``encryption-key-id = <key id>``; data ``nonce (12 bytes) || ciphertext || tag`` of the
serialised original payload, with the key id as associated data (a payload moved under another
key id fails authentication). Search attributes are NOT payloads of this kind: they stay plain so
the server can index them (see ``docs/operations.md`` for what they carry).

Keys: ``WORKFLOWS_CODEC_KEYS=<id>:<base64 of 32 bytes>,<id>:<...>`` (or a file,
``WORKFLOWS_CODEC_KEYS_FILE``). The first key encrypts; every listed key decrypts, so a key is
rotated by putting a new one first and dropping the old one once no retained history uses it.
Payloads that are not encrypted are passed through on decode, so encryption can be switched on
for a namespace with running (plain) instances. Without keys the converter is exactly
:data:`~litestar_workflows.temporal.contracts.DATA_CONVERTER` (recorded histories replay).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from litestar_workflows.exceptions import PayloadCodecError
from litestar_workflows.temporal.contracts import DATA_CONVERTER

__all__ = [
    "ENCODING_ENCRYPTED",
    "METADATA_KEY_ID",
    "EncryptionCodec",
    "EncryptionKey",
    "data_converter",
    "generate_key",
    "parse_keys",
]

ENCODING_ENCRYPTED = b"binary/encrypted"
"""``encoding`` metadata of an encrypted payload (the name Temporal's samples use)."""

METADATA_KEY_ID = "encryption-key-id"
"""Metadata entry naming the key a payload was encrypted with."""

_NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class EncryptionKey:
    """One AES-256 key.

    Attributes:
        key_id: Short name stored in each payload's metadata (letters, digits, ``._-``; no secret).
        secret: The 32 key bytes.
    """

    key_id: str
    secret: bytes = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.key_id):
            raise ValueError(f"encryption key id {self.key_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
        if len(self.secret) != 32:
            raise ValueError(f"encryption key {self.key_id!r} must be 32 bytes (AES-256), got {len(self.secret)}")


def generate_key(key_id: str) -> str:
    """A fresh key in the ``<id>:<base64>`` form of ``WORKFLOWS_CODEC_KEYS``."""
    key = EncryptionKey(key_id, os.urandom(32))
    return f"{key.key_id}:{base64.b64encode(key.secret).decode()}"


def parse_keys(spec: str | None, file: str | None = None) -> list[EncryptionKey]:
    """Keys from ``WORKFLOWS_CODEC_KEYS`` text and/or a file holding the same text (newest first).

    Entries are separated by commas or newlines; blank lines and ``#`` comments in the file are ignored.

    Raises:
        ValueError: An entry is malformed, a key is not 32 bytes, an id repeats, or the file cannot be read.
    """
    texts = [spec or ""]
    if file:
        try:
            texts.append(Path(file).expanduser().read_text())
        except OSError as exc:
            raise ValueError(f"WORKFLOWS_CODEC_KEYS_FILE {file!r} cannot be read: {exc.strerror}") from exc
    keys: list[EncryptionKey] = []
    for text in texts:
        for raw in re.split(r"[,\n]", text):
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            key_id, sep, encoded = entry.partition(":")
            if not sep:
                raise ValueError(f"encryption key entry {key_id[:16]!r}... must be '<id>:<base64 of 32 bytes>'")
            try:
                secret = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"encryption key {key_id.strip()!r} is not valid base64") from exc
            keys.append(EncryptionKey(key_id.strip(), secret))
    ids = [k.key_id for k in keys]
    if len(set(ids)) != len(ids):
        raise ValueError(f"encryption key ids must be unique, got {ids}")
    return keys


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over whole payloads; the first key encrypts, all keys decrypt.

    Args:
        keys: Newest first. At least one.
    """

    def __init__(self, keys: Sequence[EncryptionKey]) -> None:
        if not keys:
            raise ValueError("EncryptionCodec needs at least one key")
        self._current = keys[0]
        self._ciphers: Mapping[str, AESGCM] = {k.key_id: AESGCM(k.secret) for k in keys}

    @property
    def key_ids(self) -> list[str]:
        """Ids of the keys that decrypt, newest first (the first encrypts)."""
        return list(self._ciphers)

    def encrypt(self, payload: Payload) -> Payload:
        """One payload, encrypted with the newest key."""
        key_id = self._current.key_id
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING_ENCRYPTED, METADATA_KEY_ID: key_id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        """One payload decrypted; a payload that is not encrypted is returned as it is.

        Raises:
            PayloadCodecError: Unknown key id, or the payload was altered (authentication failed).
        """
        if payload.metadata.get("encoding") != ENCODING_ENCRYPTED:
            return payload
        key_id = payload.metadata.get(METADATA_KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadCodecError(
                f"payload was encrypted with key {key_id!r}, which is not configured (known: {self.key_ids})"
            )
        data = payload.data
        if len(data) <= _NONCE_BYTES:
            raise PayloadCodecError(f"encrypted payload (key {key_id!r}) is truncated")
        try:
            plain = cipher.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], key_id.encode())
        except InvalidTag as exc:
            raise PayloadCodecError(
                f"encrypted payload (key {key_id!r}) failed authentication: it was altered or the key is wrong"
            ) from exc
        return Payload.FromString(plain)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt every payload (Temporal calls this before anything leaves the process)."""
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt every encrypted payload."""
        return [self.decrypt(p) for p in payloads]


def data_converter(keys: Iterable[EncryptionKey] = ()) -> DataConverter:
    """The one data converter, with payload encryption when ``keys`` are given.

    Without keys this is :data:`~litestar_workflows.temporal.contracts.DATA_CONVERTER` itself, so
    the wire format stays what recorded histories hold. With keys, failure messages and stack traces
    move into the (encrypted) encoded attributes too: a step's error text may quote form data.
    """
    key_list = list(keys)
    if not key_list:
        return DATA_CONVERTER
    return dataclasses.replace(
        DATA_CONVERTER,
        payload_codec=EncryptionCodec(key_list),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
