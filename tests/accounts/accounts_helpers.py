"""What the account tests share: the pinned clock, a password, an SMTP inbox (aiosmtpd
handler) and a browser that fills in forms with their CSRF token. A module of its own name
(not conftest) so test files can import it unambiguously."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading

from members import NOW, PASSWORD, csrf_of, log_in, post_form  # noqa: F401 (re-exported)


class Inbox:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 10) -> list[email.message.EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def link(self, message, path: str) -> str:
        body = message.get_body(("plain",)).get_content()
        found = re.search(r"https?://\S+" + re.escape(path) + r"\?token=([\w-]+)", body)
        assert found, body
        return found.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
