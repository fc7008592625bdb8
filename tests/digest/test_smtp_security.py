"""SMTP security as configured (``smtp_security``): STARTTLS on 587 and implicit TLS on 465,
against a real aiosmtpd server with a certificate for 127.0.0.1 that only the test trusts
(through ``SSL_CERT_FILE``). With STARTTLS the server offers login only after TLS, so a
delivery proves the password went encrypted; an untrusted certificate is refused, so
verification is on."""

from __future__ import annotations

import email.utils
import smtplib
import ssl
import subprocess

import pytest
from aiosmtpd.smtp import AuthResult

from paperfeed.mail import SmtpSender, compose
from smtp import Inbox, smtp_server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def check_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=(auth_data.login, auth_data.password) == (b"mailer", b"s3cret"))


def message(to: str = "ada@example.org"):
    return compose(
        sender="paperfeed <noreply@example.org>",
        to=to,
        subject="Your digest",
        template="digest_confirm",
        context={
            "site_name": "paperfeed",
            "cadence": "daily",
            "topic": "",
            "hours": 72,
            "link": "https://papers.example.org/subscribe/confirm?token=c1-2-3",
        },
    )


def tls_server(security: str, certificate, inbox):
    context = server_context(certificate)
    if security == "ssl":
        # The whole connection is TLS (aiosmtpd's auth_require_tls only knows STARTTLS).
        options = {"ssl_context": context, "auth_require_tls": False}
    else:
        options = {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    return smtp_server(inbox, authenticator=check_login, **options)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_sends_and_logs_in_over_tls(security, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    inbox = Inbox()
    with tls_server(security, certificate, inbox) as server:
        sender = SmtpSender(
            "127.0.0.1", server.port, security=security, username="mailer", password="s3cret"
        )
        sender.send(message())
        with sender.batch() as batch:  # the digest outbox's reused connection
            for n in range(3):
                batch.send(message(f"reader{n}@example.org"))
        received = inbox.wait(4)
    assert [m["To"] for m in received] == [
        "ada@example.org",
        "reader0@example.org",
        "reader1@example.org",
        "reader2@example.org",
    ]
    assert email.utils.parseaddr(received[0]["From"])[1] == "noreply@example.org"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_an_untrusted_certificate_is_refused(security, certificate, monkeypatch, tmp_path):
    empty = tmp_path / "no-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    inbox = Inbox()
    with tls_server(security, certificate, inbox) as server:
        sender = SmtpSender(
            "127.0.0.1", server.port, security=security, username="mailer", password="s3cret"
        )
        with pytest.raises(ssl.SSLCertVerificationError):
            sender.send(message())
    assert inbox.messages == []


def test_without_tls_the_password_is_never_sent(certificate):
    inbox = Inbox()
    with tls_server("starttls", certificate, inbox) as server:
        sender = SmtpSender(
            "127.0.0.1", server.port, security="none", username="mailer", password="s3cret"
        )
        # The server offers AUTH only after STARTTLS; smtplib then refuses to log in.
        with pytest.raises(smtplib.SMTPNotSupportedError):
            sender.send(message())
    assert inbox.messages == []
