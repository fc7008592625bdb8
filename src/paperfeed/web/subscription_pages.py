"""Digest subscriptions on the web: the subscribe form, the emailed confirm and unsubscribe
links, RFC 8058 one-click unsubscribe, and the account page's subscription controls.

- ``POST /subscribe`` answers every valid request with the same page, whether the address
  was new, pending or already subscribed: the page never tells who is subscribed. It is rate
  limited per client IP and per address (so nobody can flood an inbox with confirmations).
- Emailed links open a page with a button (``GET``) that sends a form (``POST``): mail
  scanners that follow links do not confirm or unsubscribe anyone.
- ``POST /api/digest/unsubscribe?token=...`` is the ``List-Unsubscribe`` URL: mail clients
  post ``List-Unsubscribe=One-Click`` to it without any session or CSRF token (the signed
  token is the authority). It lives under /api because the app-wide CSRF check lets
  cookie-less requests through there.
- Anonymous pages are served from a shared cache, so the subscribe box in their sidebar has
  no CSRF token: for anonymous readers it is a GET to ``/subscribe``, the full form.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from paperfeed.accounts.identity import MAX_EMAIL, email_key, normalise_email
from paperfeed.digest import message as digest_mail
from paperfeed.digest import subscriptions
from paperfeed.digest.periods import check_cadence
from paperfeed.digest.personal import LABELS
from paperfeed.digest.subscriptions import MAX_TOPIC_CHARS
from paperfeed.errors import InvalidInput
from paperfeed.http import routing
from paperfeed.http.auth import CurrentUser, OptionalUser
from paperfeed.http.deps import NowDep, PrimaryRead, PrimarySessions, SettingsDep, WriteSession
from paperfeed.http.ratelimits import client_ip, enforce
from paperfeed.store.db import session_scope
from paperfeed.web.account_forms import message_page, send_or_log, uncached_page

logger = logging.getLogger(__name__)

router = routing.router(tags=["digests"], include_in_schema=False)

FormText = Annotated[str, Form(max_length=2000)]
TokenQuery = Annotated[str, Query(max_length=200)]
SENT_LINES = (
    "If this address was not subscribed yet, we have sent it a link to confirm the "
    "subscription; it works for {hours} hours. Nothing else is sent until it is confirmed.",
    "If it was subscribed already, nothing changes.",
)
BAD_LINK = "It was already used, has expired, or was copied incompletely."


def _form(request: Request, values: dict[str, Any], error: str | None = None, status=200):
    context = {
        "values": values,
        "error": error,
        "email_max": MAX_EMAIL,
        "topic_max": MAX_TOPIC_CHARS,
    }
    return uncached_page(request, "subscribe.html", context, status)


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(
    request: Request,
    viewer: OptionalUser,
    email: Annotated[str, Query(max_length=MAX_EMAIL)] = "",
    period: Annotated[str, Query(max_length=10)] = "daily",
    topic: Annotated[str, Query(max_length=MAX_TOPIC_CHARS)] = "",
    categories: Annotated[str, Query(max_length=400)] = "",
):
    values = {
        "email": email or (viewer.email if viewer else ""),
        "period": period if period in ("daily", "weekly") else "daily",
        "topic": topic,
        "categories": categories,
    }
    return _form(request, values)


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe(
    request: Request,
    sessions: PrimarySessions,
    background: BackgroundTasks,
    settings: SettingsDep,
    now: NowDep,
    viewer: OptionalUser,
    email: FormText = "",
    period: FormText = "daily",
    topic: FormText = "",
    categories: FormText = "",
) -> Response:
    values = {
        "email": email[:MAX_EMAIL],
        "period": period,
        "topic": topic,
        "categories": categories,
    }
    enforce(request, "subscribe-ip", client_ip(request), settings.rate_limit_subscribe)
    try:
        address = normalise_email(email)
        cadence = check_cadence(period)
        parsed = subscriptions.parse_topic(topic, categories)
    except InvalidInput as exc:
        return _form(request, values, exc.message, 400)
    # Counted per address too, so nobody can flood an inbox with confirmation links.
    enforce(request, "subscribe-email", email_key(address), settings.rate_limit_subscribe)
    own = viewer is not None and viewer.confirmed and email_key(viewer.email) == email_key(address)
    if own:  # a member's own verified address: subscribed at once, no secret to keep
        _subscribe(sessions, request.app, address, cadence, parsed, now, viewer)
        return RedirectResponse("/account?done=subscribed", status_code=303)
    # The store is touched only after the answer: neither the page nor the time it takes
    # can tell whether the address was subscribed already.
    background.add_task(_subscribe, sessions, request.app, address, cadence, parsed, now, None)
    return message_page(
        request,
        "Check your inbox",
        *(line.format(hours=settings.digest_confirm_hours) for line in SENT_LINES),
    )


def _subscribe(sessions, app, address: str, cadence: str, topic, now, account) -> None:
    settings = app.state.settings
    with session_scope(sessions) as session:
        result = subscriptions.subscribe(
            session,
            email=address,
            cadence=cadence,
            topic=topic,
            now=now,
            confirm_ttl=timedelta(hours=settings.digest_confirm_hours),
            account=account,
        )
    if result.action == "confirm":
        message = digest_mail.confirmation(settings, result.subscription, result.token or "")
        send_or_log(app.state.mailer, message)


# ---------------------------------------------------------------- emailed links


def _link_page(request: Request, heading: str, action: str, token: str, button: str, lines=()):
    context = {
        "heading": heading,
        "action": action,
        "token": token,
        "button": button,
        "notice": " ".join(lines) or None,
    }
    response = uncached_page(request, "confirm_link.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _bad_link(request: Request, what: str) -> Response:
    return message_page(
        request,
        "This link does not work",
        BAD_LINK,
        f"{what}",
        link={"href": "/subscribe", "text": "Subscribe again"},
        status=400,
    )


@router.get("/subscribe/confirm", response_class=HTMLResponse)
def confirm_form(request: Request, session: PrimaryRead, now: NowDep, token: TokenQuery = ""):
    found = subscriptions.peek_confirm(session, token, now=now)
    if found is None:
        return _bad_link(request, "Subscribe again to get a new confirmation link.")
    what = f"The {found.cadence} digest for {found.email}"
    if not found.topic.empty:
        what += f", about {found.topic.label}"
    return _link_page(
        request, "Confirm your subscription", "/subscribe/confirm", token, "Confirm", [what + "."]
    )


@router.post("/subscribe/confirm", response_class=HTMLResponse)
def confirm(
    request: Request, sessions: PrimarySessions, now: NowDep, token: FormText = ""
) -> Response:
    with session_scope(sessions) as session:
        done = subscriptions.confirm(session, token, now=now)
    if done is None:
        return _bad_link(request, "Subscribe again to get a new confirmation link.")
    return message_page(
        request,
        "You are subscribed",
        f"The {done.cadence} digest will come to {done.email}. Every digest has a link to "
        "unsubscribe with one click.",
    )


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_form(request: Request, session: PrimaryRead, token: TokenQuery = ""):
    found = subscriptions.peek_unsubscribe(session, token)
    if found is None:
        return _bad_link(request, "Use the link of a recent digest, or manage your account.")
    return _link_page(
        request,
        "Unsubscribe",
        "/unsubscribe",
        token,
        "Unsubscribe",
        [f"Stop sending the {_what(found)} to {found.email}?"],
    )


@router.post("/unsubscribe", response_class=HTMLResponse)
def unsubscribe(
    request: Request, sessions: PrimarySessions, now: NowDep, token: FormText = ""
) -> Response:
    with session_scope(sessions) as session:
        done = subscriptions.unsubscribe(session, token, now=now)
    if done is None:
        return _bad_link(request, "Use the link of a recent digest, or manage your account.")
    return message_page(
        request,
        "You are unsubscribed",
        f"No more of the {_what(done)} will be sent to {done.email}.",
    )


def _what(found) -> str:
    """``daily digest``, or ``weekly For you digest`` for a member's own."""
    kind = f" {LABELS[found.personal]}" if found.personal else ""
    return f"{found.cadence}{kind} digest"


@router.post(digest_mail.ONE_CLICK_PATH)
def one_click_unsubscribe(session: WriteSession, now: NowDep, token: TokenQuery = "") -> Response:
    """RFC 8058: the mail client posts ``List-Unsubscribe=One-Click``; no log-in needed."""
    done = subscriptions.unsubscribe(session, token, now=now)
    if done is None:
        raise InvalidInput("invalid or forged unsubscribe token")
    return JSONResponse({"ok": True, "status": "unsubscribed"})


@router.get(digest_mail.ONE_CLICK_PATH)
def one_click_opened(token: TokenQuery = "") -> Response:
    """Someone opened the List-Unsubscribe URL in a browser: show the unsubscribe page."""
    return RedirectResponse("/unsubscribe?" + urlencode({"token": token}), status_code=303)


# ---------------------------------------------------------------- the account page


@router.post("/account/subscriptions/{subscription_id}/unsubscribe")
def account_unsubscribe(
    session: WriteSession, account: CurrentUser, now: NowDep, subscription_id: int
) -> Response:
    subscriptions.unsubscribe_owned(session, account, subscription_id, now=now)
    return RedirectResponse("/account?done=unsubscribed", status_code=303)
