"""The links in subscription emails: confirm (expiring, single-use) and unsubscribe.

A token names its subscription and carries an HMAC-SHA256 under that subscription's own
random key (``subscriptions.token_key``), so it cannot be forged or moved to another row,
and links can be rebuilt for every digest without storing them. Confirm tokens also sign
their expiry and the row's current ``confirm_nonce``: a new confirmation email, or a used
link, makes older links stop working. Unsubscribe tokens never expire (RFC 8058: the link in
an old digest must still work).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from paperfeed.accounts.secrets import plausible

CONFIRM, UNSUBSCRIBE = "c", "u"
_SIG_CHARS = 32  # 192 bits of the HMAC: plenty against guessing, short in a URL


@dataclass(frozen=True)
class Parsed:
    purpose: str
    subscription_id: int
    expires: int | None
    signature: str


def _sign(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_SIG_CHARS]


def confirm_token(subscription_id: int, key: str, nonce: str, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    signature = _sign(key, f"confirm:{subscription_id}:{expires}:{nonce}")
    return f"{CONFIRM}{subscription_id}-{expires}-{signature}"


def unsubscribe_token(subscription_id: int, key: str) -> str:
    return f"{UNSUBSCRIBE}{subscription_id}-{_sign(key, f'unsubscribe:{subscription_id}')}"


def parse(token: str | None) -> Parsed | None:
    """The parts of a well-formed token (not yet verified), or None."""
    if not plausible(token):
        return None
    purpose, body = token[:1], token[1:]
    parts = body.split("-", 2) if purpose == CONFIRM else body.split("-", 1)
    if purpose == CONFIRM and len(parts) == 3:
        ident, expires, signature = parts
    elif purpose == UNSUBSCRIBE and len(parts) == 2:
        (ident, signature), expires = parts, None
    else:
        return None
    if not ident.isdigit() or (expires is not None and not expires.isdigit()):
        return None
    if len(ident) > 18 or (expires is not None and len(expires) > 12):
        return None
    return Parsed(purpose, int(ident), int(expires) if expires else None, signature)


def confirm_valid(parsed: Parsed, key: str, nonce: str | None, now: datetime) -> bool:
    if parsed.purpose != CONFIRM or not nonce or parsed.expires is None:
        return False
    if datetime.fromtimestamp(parsed.expires, UTC) <= now:
        return False
    expected = _sign(key, f"confirm:{parsed.subscription_id}:{parsed.expires}:{nonce}")
    return hmac.compare_digest(expected, parsed.signature)


def unsubscribe_valid(parsed: Parsed, key: str) -> bool:
    if parsed.purpose != UNSUBSCRIBE:
        return False
    expected = _sign(key, f"unsubscribe:{parsed.subscription_id}")
    return hmac.compare_digest(expected, parsed.signature)
