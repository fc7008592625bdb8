"""What the account tests share: the pinned clock, a password, the SMTP inbox (tests/smtp.py)
and a browser that fills in forms with their CSRF token. A module of its own name (not
conftest) so test files can import it unambiguously."""

from __future__ import annotations

from members import NOW, PASSWORD, csrf_of, log_in, post_form  # noqa: F401 (re-exported)
from smtp import Inbox, free_port  # noqa: F401 (re-exported)
