"""Random tokens for cookies, API tokens and emailed links, and the hash that is stored.

Tokens carry 256 bits from ``secrets``, so a plain SHA-256 (no salt, no slow hash) is enough
to make a stolen table useless while letting a lookup be one indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 100  # anything longer is not one of ours: rejected before hashing


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def plausible(token: str | None) -> bool:
    """Cheap shape check before touching the database."""
    return bool(token) and len(token) <= MAX_TOKEN_CHARS and token.isascii()
