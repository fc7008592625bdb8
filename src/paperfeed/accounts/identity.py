"""Usernames and email addresses: the allowed shapes and their case-folded keys.

Usernames: 3 to 32 characters, ASCII letters, digits, ``-`` and ``_``, starting and ending
with a letter or digit (so they are safe in URLs and in HTML, and cannot imitate markup).
Unique case-insensitively: ``Ada`` and ``ada`` are the same account.
"""

from __future__ import annotations

import re
import unicodedata

from paperfeed.errors import InvalidInput

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{1,30})[A-Za-z0-9]")
USERNAME_RULE = (
    "3 to 32 characters: letters, digits, - and _, starting and ending with a letter or digit"
)
# Paths and names that an account must not shadow or impersonate.
RESERVED_USERNAMES = frozenset(
    {"admin", "administrator", "api", "root", "support", "login", "logout", "signup", "account"}
    | {"papers", "search", "static", "docs", "settings", "moderator", "paperfeed", "system"}
)
MAX_EMAIL = 254
_EMAIL = re.compile(
    r"[^@\s<>()\[\]\\,;:\"]{1,64}@[^@\s.<>()\[\]\\,;:\"]+(?:\.[^@\s.<>()\[\]\\,;:\"]+)+"
)


def check_username(value: str) -> str:
    value = value.strip()
    if not USERNAME_PATTERN.fullmatch(value):
        raise InvalidInput(f"Usernames have {USERNAME_RULE}.")
    if value.casefold() in RESERVED_USERNAMES:
        raise InvalidInput("That username is reserved; choose another.")
    return value


def username_key(value: str) -> str:
    return value.strip().casefold()


def lookup_key(value: object) -> str | None:
    """The key to look an account up by its username, or None when ``value`` cannot be a
    username (so there is nothing to look up): not text, or not of the username shape. The
    shape keeps NUL out of queries, which PostgreSQL refuses with an error."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    key = username_key(value)
    return key if USERNAME_PATTERN.fullmatch(key) else None


def normalise_email(value: str) -> str:
    """The address as stored: trimmed, NFC, domain in lower case. Raises on a bad shape."""
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        raise InvalidInput("Enter a valid email address, like ada@example.org.")
    if "\ufffd" in value or any(unicodedata.category(c)[0] == "C" for c in value):
        raise InvalidInput("The email address contains characters that cannot be used.")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def email_key(value: str) -> str:
    """Unique key: the whole address case-folded (few providers treat case as significant,
    and two accounts differing only by case would be a takeover waiting to happen)."""
    return value.casefold()
