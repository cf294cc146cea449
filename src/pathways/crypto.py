"""Keys: the master key, one data key per young person, and pseudonymous stream ids.

- The **master key** (32 random bytes) never enters the database: it comes from
  `PATHWAYS_MASTER_KEY` (base64) or a key file (`PATHWAYS_KEY_FILE`, by default
  in the user's config directory). Two keys are derived from it with HKDF: one
  wraps the data keys, the other makes stream ids.
- Each young person has a random **data key**, stored wrapped (AES-GCM under the
  wrapping key, the stream id as associated data). Personal fields are
  encrypted with it (AES-GCM, the event id as associated data), so destroying
  that one wrapped key erases the young person's personal data everywhere.
- The **stream id** of a young person is an HMAC of their reference: the same
  reference always gives the same stream, but the id cannot be computed from
  a reference without the master key (unlike a uuid5). The reference itself is
  pseudonymous and stays in clear in the events, as DOMAIN.md section 3 has it.
- **Rotation** (`pathways keys rotate`, `pathways.rotation`) re-wraps every data key
  under a new master key, so that a backup taken before an erasure is useless once
  the old master key is destroyed. Stream ids and export pseudonyms must not change,
  and must not need the old key: a rotated key is 96 bytes, the new master key then
  the two *identity keys* (`IDENTITY_PURPOSES`) that the first master key derived.
  Neither unwraps a data key (HKDF is one-way), so keeping them keeps no old backup
  readable.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
import uuid
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pathways.domain.errors import MasterKeyError
from pathways.i18n import _

KEY_ENV = "PATHWAYS_MASTER_KEY"
KEY_FILE_ENV = "PATHWAYS_KEY_FILE"
NONCE_BYTES = 12
KEY_CHECK_PLAINTEXT = b"pathways master key check v1"
#: A key file holds 44 characters of base64 and a new line; anything much longer is
#: not a key, and is not read further.
KEY_CHARACTERS = 44
MAX_KEY_FILE_BYTES = 256
#: A first master key, and a rotated one (the master key, then the identity keys).
KEY_BYTES = 32
ROTATED_KEY_BYTES = 96
#: The keys derived for purposes that must survive a rotation, in the order a rotated
#: key holds them (a new purpose that must survive one is added here, at the end).
IDENTITY_PURPOSES = (b"pathways: stream ids", b"pathways: export pseudonyms")


class KeyFileWarning(UserWarning):
    """A key file that others may read."""


def default_key_file() -> Path:
    import platformdirs  # (only when no key nor key file is given)

    return Path(platformdirs.user_config_dir("pathways")) / "master.key"


def new_master_key() -> str:
    """A fresh master key, as the base64 text kept in a key file or the environment."""
    return key_text(secrets.token_bytes(KEY_BYTES))


def key_text(key: bytes) -> str:
    """A key as the text of a key file (or of $PATHWAYS_MASTER_KEY)."""
    return base64.urlsafe_b64encode(key).decode()


def write_key_file(path: Path, text: str | None = None) -> None:
    """Create a key file readable by its owner only (a new key, or `text`); never
    overwrite one. Flushed to the disk before it returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write((text or new_master_key()) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def master_key_absent(key_file: Path | None = None) -> bool:
    """No master key given at all: ${KEY_ENV} unset and no file where `load_master_key`
    looks (a key given but unreadable, malformed or wrong is not absent)."""
    return not os.environ.get(KEY_ENV) and not key_path(key_file).exists()


def key_path(key_file: Path | None) -> Path:
    """Where the master key file is looked for: the given one, ${KEY_FILE_ENV}, the default."""
    return key_file or Path(os.environ.get(KEY_FILE_ENV) or default_key_file())


def load_master_key(key_file: Path | None = None) -> bytes:
    """The master key from the environment, the given file, or the default file."""
    text = os.environ.get(KEY_ENV)
    source = f"${KEY_ENV}"
    if not text:
        path = key_path(key_file)
        source = str(path)
        try:
            with path.open("rb") as handle:  # a few bytes only: the path may be /dev/zero
                _warn_if_shared(path, os.fstat(handle.fileno()).st_mode)
                raw = handle.read(MAX_KEY_FILE_BYTES + 1)
        except FileNotFoundError:
            msg = _(
                "no master key: {path} does not exist and ${KEY_ENV} is not set. "
                "Give the key the store was created with (--key-file, "
                "${KEY_FILE_ENV} or ${KEY_ENV}); for a new store, `pathways "
                "init` (or `pathways keygen`) makes one (keep it out of the "
                "database and of its backups)."
            ).format(path=path, KEY_ENV=KEY_ENV, KEY_FILE_ENV=KEY_FILE_ENV)
            raise MasterKeyError(msg) from None
        except OSError as error:
            msg = _("cannot read the master key file {path}: {strerror}").format(
                path=path, strerror=error.strerror
            )
            raise MasterKeyError(msg) from None
        text = raw.decode("ascii", errors="replace").strip()
        if len(raw) > MAX_KEY_FILE_BYTES or not (text.isascii() and text.isprintable()):
            msg = _(
                "the master key file {path} is not a pathways key (expected "
                "{KEY_CHARACTERS} characters of base64)"
            ).format(path=path, KEY_CHARACTERS=KEY_CHARACTERS)
            raise MasterKeyError(msg)
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) not in (KEY_BYTES, ROTATED_KEY_BYTES):
        msg = _("the master key in {source} is malformed (expected 32 bytes in base64)").format(
            source=source
        )
        raise MasterKeyError(msg)
    return key


def _warn_if_shared(path: Path, mode: int) -> None:
    """A key file that the group or others may read is used, with a warning: the key
    opens every young person's data."""
    import stat
    import warnings

    if stat.S_ISREG(mode) and mode & 0o077:
        msg = (
            f"the master key file {path} may be read by others (mode "
            f"{stat.S_IMODE(mode):04o}): make it yours alone with `chmod 600 {path}`"
        )
        warnings.warn(msg, KeyFileWarning, stacklevel=3)


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class KeyRing:
    """Everything the store does with keys."""

    def __init__(self, key: bytes) -> None:
        master = key[:KEY_BYTES]
        if len(key) == ROTATED_KEY_BYTES:
            kept = [key[i : i + KEY_BYTES] for i in range(KEY_BYTES, len(key), KEY_BYTES)]
            self._identity = dict(zip(IDENTITY_PURPOSES, kept, strict=True))
        else:
            self._identity = {p: _derive(master, p) for p in IDENTITY_PURPOSES}
        self._wrap = AESGCM(_derive(master, b"pathways: wrapping data keys"))
        self._ids = self._identity[IDENTITY_PURPOSES[0]]
        self._check = AESGCM(_derive(master, b"pathways: key check"))
        self._cache: dict[uuid.UUID, AESGCM] = {}

    def derived(self, purpose: bytes) -> bytes:
        """A key for one purpose (e.g. export pseudonyms) that survives rotations."""
        found = self._identity.get(purpose)
        if found is None:  # a bug: a new purpose must be in IDENTITY_PURPOSES
            msg = f"no key for the purpose {purpose!r}: add it to IDENTITY_PURPOSES"
            raise ValueError(msg)
        return found

    def rotated(self) -> bytes:
        """A new key (96 bytes): a fresh master key, and this ring's identity keys."""
        return secrets.token_bytes(KEY_BYTES) + b"".join(
            self._identity[p] for p in IDENTITY_PURPOSES
        )

    def rewrap(self, stream: uuid.UUID, wrapped: bytes, other: KeyRing) -> bytes:
        """A data key wrapped by this ring, wrapped by `other` instead."""
        try:
            key = self._wrap.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], stream.bytes)
        except InvalidTag:
            msg = _("the master key does not open the data keys of this store")
            raise MasterKeyError(msg) from None
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + other._wrap.encrypt(nonce, key, stream.bytes)

    # stream ids -------------------------------------------------------------
    def stream_id(self, reference: str) -> uuid.UUID:
        # (hmac.digest: the one-shot HMAC, without an object per youth)
        return uuid.UUID(bytes=hmac.digest(self._ids, reference.encode(), "sha256")[:16])

    # key check --------------------------------------------------------------
    def key_check(self) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._check.encrypt(nonce, KEY_CHECK_PLAINTEXT, None)

    def verify_key_check(self, blob: bytes) -> bool:
        try:
            return (
                self._check.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None)
                == KEY_CHECK_PLAINTEXT
            )
        except InvalidTag:
            return False

    # data keys ----------------------------------------------------------------
    def new_data_key(self, stream: uuid.UUID) -> bytes:
        """A new data key for a stream; returns it wrapped, ready to store."""
        key = AESGCM.generate_key(bit_length=256)
        self._cache[stream] = AESGCM(key)
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._wrap.encrypt(nonce, key, stream.bytes)

    def open_data_key(self, stream: uuid.UUID, wrapped: bytes) -> None:
        if stream in self._cache:
            return
        try:
            key = self._wrap.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], stream.bytes)
        except InvalidTag:
            msg = _("the master key does not open the data keys of this store")
            raise MasterKeyError(msg) from None
        self._cache[stream] = AESGCM(key)

    def has_data_key(self, stream: uuid.UUID) -> bool:
        return stream in self._cache

    def forget(self, stream: uuid.UUID) -> None:
        self._cache.pop(stream, None)

    # personal fields ----------------------------------------------------------
    def seal(self, stream: uuid.UUID, event_id: uuid.UUID, fields: dict[str, Any]) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        plaintext = json.dumps(fields, separators=(",", ":")).encode()
        sealed = nonce + self._cache[stream].encrypt(nonce, plaintext, event_id.bytes)
        return base64.b64encode(sealed).decode()

    def unseal(self, stream: uuid.UUID, event_id: uuid.UUID, sealed: str) -> dict[str, Any] | None:
        """The personal fields, or None when the key is gone (erased)."""
        aead = self._cache.get(stream)
        if aead is None:
            return None
        return self._unsealed(aead, event_id, sealed)

    def unseal_with(
        self, stream: uuid.UUID, wrapped: bytes | None, event_id: str, sealed: str
    ) -> dict[str, Any] | None:
        """`unseal`, the stream's data key opened from `wrapped` if it is not open yet
        (None: no key, erased); the event id as text (a read of thousands of birth
        dates, whose wrapped keys were read at once)."""
        aead = self._cache.get(stream)
        if aead is None:
            if wrapped is None:
                return None
            self.open_data_key(stream, wrapped)
            aead = self._cache[stream]
        return self._unsealed(aead, uuid.UUID(event_id), sealed)

    def _unsealed(self, aead: AESGCM, event_id: uuid.UUID, sealed: str) -> dict[str, Any]:
        blob = base64.b64decode(sealed)
        try:
            plaintext = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], event_id.bytes)
        except InvalidTag:
            msg = _("the personal fields of event {event_id} do not decrypt with their key").format(
                event_id=event_id
            )
            raise MasterKeyError(msg) from None
        data: dict[str, Any] = json.loads(plaintext)
        return data
