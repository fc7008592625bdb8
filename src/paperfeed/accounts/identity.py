"""Usernames and email addresses: the allowed shapes and their keys.

Usernames: 3 to 32 characters, ASCII letters, digits, ``-`` and ``_``, starting and ending
with a letter or digit (so they are safe in URLs and in HTML, and cannot imitate markup).
Unique case-insensitively: ``Ada`` and ``ada`` are the same account.

Email keys (docs/accounts.md, "Email addresses"): two addresses share a key only when they
reach the same mailbox. The domain compares as DNS does (IDNA 2008 with UTS 46 mapping, as
its A-label); the local part keeps its own characters, with only ``A``-``Z`` lower-cased.
Never ``casefold()``: it makes ``straße`` and ``strasse`` one address.
"""

from __future__ import annotations

import re
import unicodedata

import idna

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


def login_key(value: str) -> str:
    """What a log-in name or address is looked up by: :func:`username_key` of a name, and
    :func:`email_key` of an address (usernames never hold ``@``), normalised when it can be;
    never a case-folded address (``straße`` would find ``strasse``'s account)."""
    value = unicodedata.normalize("NFC", value.strip())
    if "@" not in value:
        return username_key(value)
    try:
        return email_key(normalise_email(value))
    except InvalidInput:
        return email_key(value)


def lookup_key(value: object) -> str | None:
    """The key to look an account up by its username, or None when ``value`` cannot be a
    username (so there is nothing to look up): not text, or not of the username shape. The
    shape keeps NUL out of queries, which PostgreSQL refuses with an error."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    key = username_key(value)
    return key if USERNAME_PATTERN.fullmatch(key) else None


def normalise_email(value: str) -> str:
    """The address as stored: trimmed, NFC, the domain in lower case (an internationalised
    one in its UTS 46 form, as DNS resolves it). Raises on a bad shape."""
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > MAX_EMAIL or not _EMAIL.fullmatch(value):
        raise InvalidInput("Enter a valid email address, like ada@example.org.")
    if "\ufffd" in value or any(unicodedata.category(c)[0] == "C" for c in value):
        raise InvalidInput("The email address contains characters that cannot be used.")
    local, domain = value.rsplit("@", 1)
    if not domain.isascii():
        try:
            domain = idna.decode(idna.encode(domain, uts46=True))
        except UnicodeError:  # idna.IDNAError and its kin
            raise InvalidInput(
                "The domain of that email address is not a valid domain name."
            ) from None
    address = f"{local}@{domain.lower()}"
    if len(address) > MAX_EMAIL:  # UTS 46 mapping can lengthen it
        raise InvalidInput("Enter a valid email address, like ada@example.org.")
    return address


# Only A-Z: str.lower() also maps non-ASCII letters, some onto ASCII ones (KELVIN SIGN to
# "k"), and casefold() rewrites them ("ß" to "ss").
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def email_key(value: str) -> str:
    """Unique key of an address as :func:`normalise_email` returns it (or as stored): the
    local part with ASCII letters lower-cased and every other character as given, ``@``, the
    domain as its IDNA A-label in lower case. ``Ada@Example.org`` and ``ada@example.org``
    are one key (few providers treat ASCII case as significant, and two accounts differing
    only by it would be a takeover waiting to happen); ``victim@straße.test`` and
    ``victim@strasse.test`` are two, as they are two mailboxes."""
    local, _, domain = value.rpartition("@")
    key = f"{local.translate(_ASCII_LOWER)}@{_domain_key(domain)}"
    # A long IDN's A-label can push the key past the column; its U-label form is no
    # longer than the address (and keeps it apart from every other mailbox).
    return key if len(key) <= MAX_EMAIL else f"{local.translate(_ASCII_LOWER)}@{domain.lower()}"


def _domain_key(domain: str) -> str:
    if domain.isascii():
        return domain.lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except UnicodeError:  # stored before the IDNA check: it stays apart from every other
        return domain.lower()
