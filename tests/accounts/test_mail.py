"""The SMTP sender against a real server (aiosmtpd on 127.0.0.1), with a login."""

from __future__ import annotations

import logging

from aiosmtpd.smtp import AuthResult

from paperfeed.mail import LogSender, SmtpSender, compose
from smtp import Inbox, smtp_server


def _message(to="ada@example.org"):
    return compose(
        sender="paperfeed <noreply@example.org>",
        to=to,
        subject="Reset your paperfeed password",
        template="reset_password",
        context={
            "username": "<b>ada</b>",
            "site_name": "paperfeed",
            "minutes": 60,
            "link": "http://x/?a=1&b=2",
        },
    )


def test_message_has_text_and_escaped_html():
    message = _message()
    assert message.get_body(("plain",)).get_content().startswith("Hello <b>ada</b>,")
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;ada&lt;/b&gt;" in html and 'href="http://x/?a=1&amp;b=2"' in html


def test_smtp_sender_logs_in_and_delivers():
    inbox = Inbox()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    with smtp_server(inbox, authenticator=authenticator, auth_require_tls=False) as controller:
        SmtpSender(
            "127.0.0.1", controller.port, security="none", username="mailer", password="s3cret"
        ).send(_message())
        [received] = inbox.wait(1)
    assert logins == [(b"mailer", b"s3cret")]
    assert received["Subject"] == "Reset your paperfeed password"


def test_log_sender_never_logs_the_body(caplog):
    with caplog.at_level(logging.WARNING):
        LogSender().send(_message())
    assert "email not sent" in caplog.text and "http://x/" not in caplog.text
