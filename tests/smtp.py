"""A real SMTP server for the tests that send email (accounts, digests): aiosmtpd on
127.0.0.1 with a handler that keeps every message it accepts. At the top of tests/ so every
folder imports this one copy."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller


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


@contextmanager
def smtp_server(handler, **options) -> Iterator[Controller]:
    """``handler`` (an :class:`Inbox` or a subclass) serving SMTP on a free loopback port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def smtp_settings(controller: Controller) -> dict:
    """The settings that send the app's email to ``controller`` (plain SMTP on loopback)."""
    return {"smtp_host": "127.0.0.1", "smtp_port": controller.port, "smtp_security": "none"}
