"""Carrying the audit key from one computer to another, protected by a passphrase (docs/server.md).

Every laptop on a ward server must hold the same audit key (the chain is one chain). The key never travels
in the clear: `trialapp key export FILE` writes it encrypted with AES-256-GCM under a key derived from a
passphrase with scrypt; `trialapp key import FILE` on the other laptop decrypts it and installs it. The
passphrase is told to the other person by another way (in person, by phone) — never in the same e-mail.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any, Final

from trialapp.storage.audit import KEY_FILE_NAME, AuditKey, AuditKeyInvalid, install_key, load_key_file
from trialapp.storage.errors import StorageError

FORMAT: Final = "trialapp-audit-key/1"
MIN_PASSPHRASE: Final = 12
# scrypt's cost: about 0.1 s and 32 MiB on a ward laptop, so guessing passphrases is slow.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
_ASSOCIATED = b"trialapp audit key"


class KeyTransferError(StorageError):
    """An exported key that cannot be written, read or installed; the message says what to do."""


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=32)


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeyTransferError(
            f"The passphrase must have at least {MIN_PASSPHRASE} characters (a few words are easiest to say "
            "over the phone)."
        )


def export_key(key: AuditKey, passphrase: str, out: Path) -> str:
    """Write ``key`` encrypted under ``passphrase`` to a new file ``out``; returns the key's id."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _check_passphrase(passphrase)
    if out.exists():
        raise KeyTransferError(f"'{out}' already exists; choose a new file name (nothing was written).")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(_derive(passphrase, salt, **_SCRYPT)).encrypt(nonce, key.secret, _ASSOCIATED)
    document = {
        "format": FORMAT,
        "key_id": key.key_id,
        "kdf": {"name": "scrypt", "salt": salt.hex(), **_SCRYPT},
        "cipher": {"name": "AES-256-GCM", "nonce": nonce.hex()},
        "sealed_key": sealed.hex(),
    }
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
    except OSError as exc:
        raise KeyTransferError(f"'{out}' could not be written ({exc.strerror}). Choose another place.") from exc
    return key.key_id


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="ascii"))
    except (OSError, ValueError) as exc:
        raise KeyTransferError(
            f"'{path}' is not a key exported by 'trialapp key export' ({exc}). Ask for the file again."
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyTransferError(f"'{path}' is not a key exported by 'trialapp key export' ({FORMAT}).")
    return document


def open_exported_key(path: Path, passphrase: str) -> AuditKey:
    """The key inside an exported file; a wrong passphrase or a changed file is refused in words."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    document = _read(path)
    try:
        kdf, cipher = document["kdf"], document["cipher"]
        wrapping = _derive(passphrase, bytes.fromhex(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
        secret = AESGCM(wrapping).decrypt(
            bytes.fromhex(cipher["nonce"]), bytes.fromhex(document["sealed_key"]), _ASSOCIATED
        )
    except InvalidTag as exc:
        raise KeyTransferError(
            "The passphrase does not open this key file (or the file was changed). Check the passphrase with "
            "the person who exported it; nothing was installed."
        ) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyTransferError(f"'{path}' is damaged ({exc}). Ask for the file again.") from exc
    key = AuditKey(secret)
    if key.key_id != document.get("key_id"):
        raise KeyTransferError(f"'{path}' is damaged (its key id does not match). Ask for the file again.")
    return key


def install_exported_key(key: AuditKey, config_dir: Path, *, replace: bool = False) -> Path | None:
    """Install ``key`` as this computer's audit key. A different key already here is kept aside (returned)
    only with ``replace``; otherwise refused, because the databases it keyed would no longer verify."""
    path = config_dir / KEY_FILE_NAME
    if path.exists() and not replace:
        try:
            current: AuditKey | None = load_key_file(path)
        except AuditKeyInvalid:
            current = None
        if current == key:
            return None  # already this key: nothing to do
        raise KeyTransferError(
            f"This computer already has another audit key ({path}). If this laptop's own database "
            "holds nothing to keep (a new laptop joining the ward server), import again with --replace: "
            "the old key is kept beside it, not deleted."
        )
    return install_key(config_dir, key)
