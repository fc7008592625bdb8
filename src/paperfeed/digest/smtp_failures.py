"""What an SMTP failure means for one digest: retry it later, give up on this address, or
stop the run (every message would fail the same way)."""

from __future__ import annotations

import smtplib
from typing import Literal

# How one delivery ended; ``interrupted`` is the run's own (asked to stop while retrying).
Outcome = Literal["sent", "permanent", "transient", "fatal", "interrupted"]


def classify(exc: BaseException) -> tuple[Outcome, str]:
    """What an SMTP failure means for the digest: ``permanent`` (5xx for this recipient or
    message), ``fatal`` (5xx that every message would get: our sender address or login),
    else ``transient``."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        text = "; ".join(f"{code} {_text(msg)}" for code, msg in exc.recipients.values())
        return ("permanent" if codes and min(codes) >= 500 else "transient"), text
    if isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code < 500:
            return "transient", text
        if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
            return "fatal", text
        return "permanent", text
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # smtplib refuses a non-ASCII address when the server offers no SMTPUTF8: that one
        # subscriber's digest cannot go, the others can. Any other missing feature (AUTH) is
        # the configuration's.
        return ("permanent" if "SMTPUTF8" in str(exc) else "fatal"), str(exc)
    return "transient", f"{type(exc).__name__}: {exc}"


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:300]
