"""Master-key rotation (`pathways keys rotate`): every wrapped data key re-wrapped
under a new master key, so that a backup taken before an erasure becomes useless once
the old master key is destroyed (issue 12 item 6).

The new key is written first, beside the old one (`KEY.new`, readable by its owner
only, flushed to the disk); then one transaction, holding the append lock, re-wraps
every data key, replaces the store's key check and records when the key was rotated;
then the old key file becomes `KEY.old` and the new one `KEY`. Interrupted before
the commit, the store still opens with the old key (`KEY.new` is left, and said);
after it, with the new one (in `KEY.new` until it is renamed). The old key stays in
`KEY.old` until its owner destroys it, with the backups it still opens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pathways.crypto import KeyRing, key_text, write_key_file
from pathways.domain.errors import MasterKeyError
from pathways.i18n import _

if TYPE_CHECKING:
    from pathways.store import Store

ROTATED = "key-rotated"


@dataclass(frozen=True)
class Rotation:
    key_file: Path
    old_key_file: Path
    rewrapped: int
    at: datetime


def sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def rotate(store: Store, key_file: Path) -> Rotation:
    """Rotate the master key of `store`, whose current key is in `key_file`."""
    old_file, new_file = sibling(key_file, ".old"), sibling(key_file, ".new")
    if old_file.exists():
        msg = _(
            "{old} is still there (the key before the last rotation): destroy it, "
            "with the backups made before that rotation, then rotate again"
        ).format(old=old_file)
        raise MasterKeyError(msg)
    if new_file.exists():
        msg = _(
            "{new} is there: a rotation was interrupted. If the store opens with "
            "{key}, that one is still its key: remove {new} and rotate again; "
            "if it opens with {new}, rename {key} to {old} and {new} to {key}"
        ).format(new=new_file, key=key_file, old=old_file)
        raise MasterKeyError(msg)
    old = store.keys
    key = old.rotated()
    new = KeyRing(key)
    write_key_file(new_file, key_text(key))
    at = datetime.now(UTC)
    try:
        with store.session(write=True, append=True) as session:
            rows = session.rows("SELECT stream, wrapped FROM {p}pathways_keys")
            import uuid

            rewrapped = [
                (new_wrapped, r["stream"])
                for r in rows
                for new_wrapped in [old.rewrap(uuid.UUID(r["stream"]), bytes(r["wrapped"]), new)]
            ]
            session.update_keys(rewrapped)
            session.execute(
                "UPDATE {p}pathways_meta SET value = ? WHERE name = ?",
                (new.key_check(), "key-check"),
            )
            session.execute("DELETE FROM {p}pathways_meta WHERE name = ?", (ROTATED,))
            session.execute(
                "INSERT INTO {p}pathways_meta VALUES (?, ?)", (ROTATED, at.isoformat().encode())
            )
    except BaseException:
        new_file.unlink()  # the store still opens with the old key
        raise
    store.rekey(key)
    os.replace(key_file, old_file)
    os.replace(new_file, key_file)
    store.backend.after_erasure()  # the old wrapped keys' bytes out of the write-ahead log
    return Rotation(key_file, old_file, len(rewrapped), at)


def rotated_at(store: Store) -> str | None:
    """When the store's master key was last rotated (ISO, UTC), if ever."""
    found = store.backend.meta(ROTATED)
    return found.decode() if found is not None else None
