"""Random tokens for cookies, API tokens and emailed links, and the hash that is stored; the
site's own secret key.

Tokens carry 256 bits from ``secrets``, so a plain SHA-256 (no salt, no slow hash) is enough
to make a stolen table useless while letting a lookup be one indexed equality.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 100  # anything longer is not one of ours: rejected before hashing


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def plausible(token: str | None) -> bool:
    """Cheap shape check before touching the database."""
    return bool(token) and len(token) <= MAX_TOKEN_CHARS and token.isascii()


# ---------------------------------------------------------------- the site secret

SECRET_FILE_NAME = "secret_key"  # noqa: S105 (a file name, not a secret)
MIN_SECRET_CHARS = 32


def site_secret(configured: str | None, path: Path) -> bytes:
    """The server's own secret key (keys CSRF tokens: docs/security.md#csrf-tokens).

    ``configured`` (``PAPERFEED_SECRET_KEY``) wins. Otherwise a random key is kept in ``path``,
    made on first use: readable by the owner only, and created atomically (written aside,
    then hard-linked into place), so web workers starting together all read the same key.
    """
    if configured:  # at least MIN_SECRET_CHARS long: Settings checks it
        return configured.encode()
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(TOKEN_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another worker made it first: use it
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    value = path.read_text(encoding="ascii").strip()
    if len(value) < MIN_SECRET_CHARS:
        raise ValueError(f"{path} holds no usable secret key; delete it to make a new one")
    return value.encode()


def secret_file(index_dir: Path) -> Path:
    """Where the generated key is kept: in the data directory, beside the search indexes."""
    return index_dir.parent / SECRET_FILE_NAME
