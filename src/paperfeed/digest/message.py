"""The emails of the digest feature: the subscription confirmation, and the digest itself
(HTML with inline styles plus plain text, from ``mail/templates/digest.*``).

Digest headers: ``List-Unsubscribe`` with an HTTPS one-click URL and a mailto,
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), ``Message-ID`` (fixed by
the outbox, so a resend carries the same one) and ``Date``. Every header value is built from
checked data and goes through :func:`_header`, which refuses CR/LF and every other control
character (the confirmation is an ``EmailMessage``, which refuses them itself): nothing a
subscriber typed can add a header.
"""

from __future__ import annotations

import email.policy
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, parseaddr
from urllib.parse import quote, urlencode

from paperfeed.digest.personal import LABELS, PAGES
from paperfeed.digest.subscriptions import SubscriptionView, Topic
from paperfeed.mail import compose
from paperfeed.mail.message import environment
from paperfeed.mail.unlinked import unlinked
from paperfeed.service.periods import Period
from paperfeed.service.trending import AsOf
from paperfeed.service.views import PaperView
from paperfeed.settings import Settings
from paperfeed.text import latex

EXCERPT_CHARS = 280
MAX_AUTHORS_SHOWN = 4
ONE_CLICK_PATH = "/api/digest/unsubscribe"  # RFC 8058 POST target: no session, no CSRF form
# A topic in an email: at most this long, and never a link (mail/unlinked.py). Its confirmation
# email goes to any address typed, so the topic is a stranger's text in a stranger's inbox.
EMAIL_TOPIC_CHARS = 120


def _link(settings: Settings, path: str, **params: str) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return settings.base_url.rstrip("/") + path + query


def mail_domain(settings: Settings) -> str:
    address = parseaddr(settings.mail_from)[1]
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


def one_line(text: str) -> str:
    """``text`` with every control character (CR, LF, tabs...) turned into a space."""
    cleaned = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    return " ".join(cleaned.split())


def confirmation(settings: Settings, subscription: SubscriptionView, token: str) -> EmailMessage:
    return compose(
        sender=settings.mail_from,
        to=subscription.email,
        subject=f"Confirm your {settings.site_name} digest",
        template="digest_confirm",
        context={
            "site_name": settings.site_name,
            "cadence": subscription.cadence,
            "topic": topic_text(subscription.topic),
            "hours": settings.digest_confirm_hours,
            "link": _link(settings, "/subscribe/confirm", token=token),
        },
    )


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str
    authors: str
    excerpt: str
    upvotes: int
    categories: str
    reason: str = ""  # personal digests: why the paper is there, in a few words


def digest_items(
    settings: Settings, papers: list[PaperView], reasons: list[str] | None = None
) -> list[DigestItem]:
    """What the templates show of each paper; computed once per (period, topic), or per
    member for a personal digest (with ``reasons``, one per paper)."""
    items = []
    for n, p in enumerate(papers):
        authors = ", ".join(p.authors[:MAX_AUTHORS_SHOWN])
        if len(p.authors) > MAX_AUTHORS_SHOWN:
            authors += f" and {len(p.authors) - MAX_AUTHORS_SHOWN} more"
        abstract = latex.cut(p.abstract, EXCERPT_CHARS)  # never inside a formula
        items.append(
            DigestItem(
                title=one_line(p.title),
                url=_link(settings, f"/papers/{p.arxiv_id}"),
                authors=authors,
                excerpt=abstract,
                upvotes=p.upvotes,
                categories=", ".join(p.categories[:3]),
                reason=one_line(reasons[n]) if reasons else "",
            )
        )
    return items


def subject(
    settings: Settings,
    cadence: str,
    period: Period,
    topic: Topic,
    idle_as_of: AsOf | None = None,
    personal: str | None = None,
) -> str:
    what = f"{topic_text(topic)} papers" if not topic.empty else "Trending papers"
    if personal:
        what = LABELS[personal]
    when = f" as of {idle_as_of.label}" if idle_as_of else f" · {period.label}"
    return one_line(f"{what}{when} · {settings.site_name}")


def topic_text(topic: Topic) -> str:
    """The topic as emails show it: plain text that no mail client makes a link of."""
    return unlinked(topic.label, EMAIL_TOPIC_CHARS)


@dataclass(frozen=True)
class DigestBody:
    """A digest rendered once per (period, topic): its subject, and its text and HTML parts
    each split where the template puts the unsubscribe token, so a subscriber's token is
    joined in there and nowhere else (never into a title or abstract)."""

    subject: str
    text: tuple[str, str]
    html: tuple[str, str]


def _split_at(rendered: str, slot: str) -> tuple[str, str]:
    before, found, after = rendered.partition(slot)
    if not found or slot in after:
        raise ValueError("a digest template must put the unsubscribe link in exactly once")
    return before, after


def render_body(
    settings: Settings,
    *,
    cadence: str,
    period: Period,
    topic: Topic,
    items: list[DigestItem],
    idle_as_of: AsOf | None = None,
    personal: str | None = None,
) -> DigestBody:
    """``idle_as_of``: the items are an idle instance's trending papers as of then, which the
    email says instead of the period (digest/selection.py). ``personal``: the kind of a
    member's own digest (digest/personal.py), whose page the email links to."""
    # Marks the token's place; fresh for every body, so no paper text (stored before it
    # existed) can hold it. Hex: unchanged by URL encoding and HTML escaping.
    slot = f"unsubscribe-slot-{secrets.token_hex(16)}"
    context = {
        "site_name": settings.site_name,
        "cadence": cadence,
        "period_label": period.label,
        "as_of_label": idle_as_of.label if idle_as_of else "",
        "topic": topic_text(topic),
        "personal": LABELS[personal] if personal else "",
        "items": items,
        "more_link": _more_link(settings, period, idle_as_of, personal),
        "unsubscribe_link": _link(settings, "/unsubscribe", token=slot),
        "manage_link": _link(settings, "/account") + ("#personal-digests" if personal else ""),
    }
    env = environment()
    return DigestBody(
        subject=subject(settings, cadence, period, topic, idle_as_of, personal),
        text=_split_at(env.get_template("digest.txt").render(context), slot),
        html=_split_at(env.get_template("digest.html").render(context), slot),
    )


def _more_link(
    settings: Settings, period: Period, idle_as_of: AsOf | None, personal: str | None
) -> str:
    if personal:
        return _link(settings, PAGES[personal])
    if idle_as_of:
        return _link(settings, "/papers/trending")
    period_param, period_value = period.param
    return _link(settings, "/papers", **{period_param: period_value})


def _header(value: str) -> str:
    """A header value, refused if it could start another header (CR, LF or any control)."""
    if any(unicodedata.category(c)[0] == "C" for c in value):
        raise ValueError(f"control character in an email header: {value[:60]!r}")
    return value


def digest(
    settings: Settings,
    body: DigestBody,
    *,
    to: str,
    cadence: str,
    unsubscribe_token: str,
    message_id: str,
    now: datetime,
) -> Message:
    """One subscriber's digest, ready for the outbox to send.

    Built with the email package's compat32 classes (MIMEMultipart, MIMEText): several
    times faster than ``EmailMessage`` for 10,000 messages, but they do not check header
    values, so every one goes through :func:`_header`.
    """
    if not tokens_are_url_safe(unsubscribe_token):
        raise ValueError("unsubscribe token is not URL-safe")
    one_click = _link(settings, ONE_CLICK_PATH, token=unsubscribe_token)
    # A non-ASCII address goes out with SMTPUTF8, for which smtplib renders the message again
    # under its policy with utf8=True; compat32 has no such option, so these few messages
    # take the modern policy, which encodes header text itself (plain strings, no Header).
    international = not (to.isascii() and settings.mail_from.isascii())
    policy = email.policy.SMTP if international else email.policy.compat32

    def text(value: str) -> str | Header:
        return _header(value) if international else Header(_header(value), "utf-8")

    message = MIMEMultipart("alternative", policy=policy)
    message["From"] = _header(settings.mail_from)
    message["To"] = _header(to)
    message["Subject"] = text(body.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = _header(message_id)
    unsubscribe = f"<{one_click}>"
    mailto = settings.digest_unsubscribe_mailto or parseaddr(settings.mail_from)[1]
    if mailto and "@" in mailto:
        subject_line = quote(f"unsubscribe {unsubscribe_token}")
        unsubscribe += f", <mailto:{quote(mailto, safe='@')}?subject={subject_line}>"
    message["List-Unsubscribe"] = _header(unsubscribe)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    name = one_line(settings.site_name)
    list_id = f"{name} {cadence} digest <{cadence}.digest.{mail_domain(settings)}>"
    message["List-Id"] = text(list_id)
    message["Auto-Submitted"] = "auto-generated"
    for part, subtype in ((body.text, "plain"), (body.html, "html")):
        content = unsubscribe_token.join(part)
        message.attach(MIMEText(content, subtype, "utf-8", policy=policy))
    return message


_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def tokens_are_url_safe(token: str) -> bool:
    return bool(_URL_SAFE.fullmatch(token))
