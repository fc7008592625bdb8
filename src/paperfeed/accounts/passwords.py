"""Password hashing with argon2id (argon2-cffi's RFC 9106 low-memory profile), and the rules
a new password must follow."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from paperfeed.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 256  # hashing cost grows with length: refuse megabyte "passwords"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not anybody's password")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches. With no hash (unknown user) a dummy hash is verified
    instead, so a wrong user name costs as much time as a wrong password."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """The hash was made with other parameters than today's: store a new one at log-in."""
    return _hasher.check_needs_rehash(stored_hash)


def check_new_password(password: str, *, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"The password must have at most {MAX_LENGTH} characters.")
    if "\ufffd" in password or any(ord(c) < 32 for c in password):
        raise InvalidInput("The password contains characters that cannot be used.")
    if username and password.casefold() == username.casefold():
        raise InvalidInput("The password must not be your username.")
