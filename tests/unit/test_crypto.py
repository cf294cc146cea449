"""Keys: pseudonymous stream ids, sealed personal fields, the master key check."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import pytest

from pathways.crypto import (
    KEY_ENV,
    KEY_FILE_ENV,
    KeyRing,
    load_master_key,
    new_master_key,
    write_key_file,
)
from pathways.domain.errors import MasterKeyError

REFERENCE = "Y-2026-0042"
EVENT = uuid.UUID("0f0e0d0c-0b0a-4909-8807-060504030201")


def ring(key: str | None = None) -> KeyRing:
    return KeyRing(base64.urlsafe_b64decode(key or new_master_key()))


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)


# --- stream ids ---------------------------------------------------------------------


def test_stream_id_is_stable_for_a_reference() -> None:
    key = new_master_key()
    assert ring(key).stream_id(REFERENCE) == ring(key).stream_id(REFERENCE)


def test_stream_ids_differ_between_references() -> None:
    keys = ring()
    assert keys.stream_id(REFERENCE) != keys.stream_id("Y-2026-0043")


def test_stream_ids_differ_between_master_keys() -> None:
    assert ring().stream_id(REFERENCE) != ring().stream_id(REFERENCE)


def test_stream_id_is_not_a_name_based_uuid_of_the_reference() -> None:
    stream = ring().stream_id(REFERENCE)
    namespaces = [uuid.NAMESPACE_DNS, uuid.NAMESPACE_URL, uuid.NAMESPACE_OID, uuid.NAMESPACE_X500]
    for namespace in namespaces:
        assert stream != uuid.uuid5(namespace, REFERENCE)
        assert stream != uuid.uuid3(namespace, REFERENCE)
    assert REFERENCE.encode() not in stream.bytes
    assert REFERENCE.lower().replace("-", "") not in stream.hex


# --- personal fields ---------------------------------------------------------------


def test_sealed_fields_unseal_to_the_same_values() -> None:
    keys = ring()
    stream = keys.stream_id(REFERENCE)
    keys.new_data_key(stream)
    fields = {"birth_date": "2005-02-10", "name": "Camille Martin-Lévêque"}
    sealed = keys.seal(stream, EVENT, fields)
    assert "Camille" not in sealed
    assert "2005-02-10" not in sealed
    assert keys.unseal(stream, EVENT, sealed) == fields


def test_sealing_twice_gives_different_ciphertexts() -> None:
    keys = ring()
    stream = keys.stream_id(REFERENCE)
    keys.new_data_key(stream)
    assert keys.seal(stream, EVENT, {"a": 1}) != keys.seal(stream, EVENT, {"a": 1})


def test_a_tampered_ciphertext_is_refused() -> None:
    keys = ring()
    stream = keys.stream_id(REFERENCE)
    keys.new_data_key(stream)
    blob = bytearray(base64.b64decode(keys.seal(stream, EVENT, {"name": "Camille"})))
    blob[-1] ^= 0x01
    with pytest.raises(MasterKeyError, match=f"personal fields of event {EVENT} do not decrypt"):
        keys.unseal(stream, EVENT, base64.b64encode(bytes(blob)).decode())


def test_fields_sealed_for_one_event_do_not_open_as_another() -> None:
    keys = ring()
    stream = keys.stream_id(REFERENCE)
    keys.new_data_key(stream)
    sealed = keys.seal(stream, EVENT, {"name": "Camille"})
    with pytest.raises(MasterKeyError, match="do not decrypt"):
        keys.unseal(stream, uuid.uuid4(), sealed)


def test_without_the_data_key_nothing_is_unsealed() -> None:
    keys = ring()
    stream = keys.stream_id(REFERENCE)
    keys.new_data_key(stream)
    sealed = keys.seal(stream, EVENT, {"name": "Camille"})
    keys.forget(stream)
    assert keys.unseal(stream, EVENT, sealed) is None


def test_a_wrapped_data_key_opens_with_the_same_master_key_only() -> None:
    key = new_master_key()
    writer = ring(key)
    stream = writer.stream_id(REFERENCE)
    wrapped = writer.new_data_key(stream)
    sealed = writer.seal(stream, EVENT, {"name": "Camille"})

    reader = ring(key)
    reader.open_data_key(stream, wrapped)
    assert reader.unseal(stream, EVENT, sealed) == {"name": "Camille"}

    with pytest.raises(MasterKeyError, match="does not open the data keys"):
        ring().open_data_key(stream, wrapped)


def test_a_wrapped_data_key_is_bound_to_its_stream() -> None:
    keys = ring()
    wrapped = keys.new_data_key(keys.stream_id(REFERENCE))
    other = ring()
    with pytest.raises(MasterKeyError):
        other.open_data_key(keys.stream_id("Y-OTHER"), wrapped)


# --- the master key ------------------------------------------------------------------


def test_key_check_verifies_with_the_same_master_key() -> None:
    key = new_master_key()
    assert ring(key).verify_key_check(ring(key).key_check())


def test_wrong_master_key_is_detected_by_the_key_check() -> None:
    assert not ring().verify_key_check(ring().key_check())


def test_a_corrupted_key_check_is_not_accepted() -> None:
    keys = ring()
    blob = bytearray(keys.key_check())
    blob[0] ^= 0xFF
    assert not keys.verify_key_check(bytes(blob))


def test_master_key_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key = new_master_key()
    monkeypatch.setenv(KEY_ENV, key)
    assert load_master_key(tmp_path / "absent.key") == base64.urlsafe_b64decode(key)


def test_master_key_comes_from_a_key_file(no_key_env: None, tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    write_key_file(path)
    assert len(load_master_key(path)) == 32
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    write_key_file(path)
    before = path.read_text()
    with pytest.raises(FileExistsError):
        write_key_file(path)
    assert path.read_text() == before


def test_missing_key_file_says_how_to_make_one(no_key_env: None, tmp_path: Path) -> None:
    path = tmp_path / "absent.key"
    with pytest.raises(MasterKeyError) as caught:
        load_master_key(path)
    message = str(caught.value)
    assert f"no master key: {path} does not exist and $PATHWAYS_MASTER_KEY is not set" in message
    assert "pathways keygen" in message


def test_key_file_from_the_environment_variable(
    no_key_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "env.key"
    monkeypatch.setenv(KEY_FILE_ENV, str(path))
    with pytest.raises(MasterKeyError, match=r"env\.key does not exist"):
        load_master_key()


@pytest.mark.parametrize(
    "text",
    ["not base64 at all!", base64.urlsafe_b64encode(b"short").decode(), ""],
    ids=["garbage", "too-short", "empty"],
)
def test_malformed_key_file_is_refused(no_key_env: None, tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(text + "\n")
    with pytest.raises(MasterKeyError) as caught:
        load_master_key(path)
    assert str(caught.value) == (
        f"the master key in {path} is malformed (expected 32 bytes in base64)"
    )


def test_malformed_key_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "c2hvcnQ=")
    with pytest.raises(MasterKeyError, match=r"master key in \$PATHWAYS_MASTER_KEY is malformed"):
        load_master_key()


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"A" * 100_000],
    ids=["random-bytes", "binary", "oversized"],
)
def test_a_key_file_that_is_not_a_key_is_called_so(
    no_key_env: None, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(content)
    with pytest.raises(MasterKeyError) as caught:
        load_master_key(path)
    assert str(caught.value) == (
        f"the master key file {path} is not a pathways key (expected 44 characters of base64)"
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_key_path_pointing_at_dev_zero_is_refused_after_a_few_bytes(no_key_env: None) -> None:
    with pytest.raises(MasterKeyError, match="/dev/zero is not a pathways key"):
        load_master_key(Path("/dev/zero"))
