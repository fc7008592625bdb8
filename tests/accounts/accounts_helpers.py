"""What the account tests share: the pinned clock, a password, the SMTP inbox (tests/smtp.py),
a browser that fills in forms with their CSRF token, and the app's routes. A module of its
own name (not conftest) so test files can import it unambiguously."""

from __future__ import annotations

from members import (  # noqa: F401 (re-exported)
    NOW,
    PASSWORD,
    app_routes,
    csrf_of,
    log_in,
    post_form,
)
from smtp import Inbox, free_port  # noqa: F401 (re-exported)
