"""Every parameter of every route (enumerated from the app, so routes added later are
included), signed in as an admin with a valid CSRF token so the requests get past the
guards: SQL injection strings, overlong values, NUL and control characters, invalid UTF-8,
markup, numbers out of range, dates at the edges of the calendar, wrong JSON types, and
missing fields. Each answer must be a 4xx or a success, never a 5xx; the tables stay intact;
nothing echoes markup unescaped.

A parameter that is not text (a number, a flag, one of a few words, a file) is parsed by
FastAPI before any of our code sees it, and every string that does not parse is refused the
same way: it gets the payloads that differ for it (numbers out of range, the empty string,
NUL, markup to echo, one SQL string), not every string and date."""

from __future__ import annotations

import re
import types
import typing
from datetime import date
from urllib.parse import quote

import pytest
from accounts_helpers import app_routes, csrf_of, log_in
from fastapi import UploadFile
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import func, select

from paperfeed.store.db import session_scope
from paperfeed.store.models import Comment, Paper, User

SQL = ["' OR '1'='1' --", "1; DROP TABLE papers; --", '" UNION SELECT password_hash FROM users --']
BAD = ["x" * 20_000, "a\x00b\x07c", "-1", "9" * 40, "<script>alert(1)</script>", ""]
# The edges of the calendar, for any parameter that is a date, week or month (issue 12 item 7):
# the first and last representable days, week 53 and month 12 of year 9999, year 1.
DATES = ["9999-12-31", "0001-01-01", "9999-W53", "9999-W52", "9999-12", "0001-01", "0001-W01"]
PAYLOADS = SQL + BAD + DATES
NOT_TEXT_PAYLOADS = SQL[:1] + BAD  # for a parameter whose type is not text
# Path parameters not under test take a value that exists, so the others reach deep code.
EXISTING = {
    "arxiv_id": "2611.00001",
    "paper_id": "2611.00001",
    "target": "2611.00001",
    "username": "grace",
    "value": "2026-11-20",
    "fmt": "atom",
}
SKIPPED = {("POST", "/logout")}  # would only end the session the sweep runs in


def _params(dependant, kind: str) -> list:
    found = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        found += _params(sub, kind)
    return found


def _json_fields(body_params) -> list[str]:
    """The field names of a route's JSON body model (``payload: SubmitIn``)."""
    names = []
    for param in body_params:
        for model in getattr(param.field_info.annotation, "__args__", None) or (
            param.field_info.annotation,
        ):
            if isinstance(model, type) and issubclass(model, BaseModel):
                names += [f.alias or n for n, f in model.model_fields.items()]
    return names


def _not_text(annotation) -> bool:
    """Whether FastAPI parses the value before our code sees it, refusing every string that is
    not one: a number, a flag, a ``Literal`` or a file, optional or not. Anything else (text,
    dates) gets every payload."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return all(_not_text(a) for a in args)
    if typing.get_origin(annotation) is typing.Literal:
        return True
    return annotation in (int, float, bool, UploadFile)


def _payloads(param) -> list[str]:
    return NOT_TEXT_PAYLOADS if _not_text(param.field_info.annotation) else PAYLOADS


def requests_of(route: APIRoute, comment_id: int):
    """(method, path, query, form, json, raw body) for each bad value in each parameter."""
    path_params = _params(route.dependant, "path_params")
    query_params = _params(route.dependant, "query_params")
    body = _params(route.dependant, "body_params")
    form_params = [p for p in body if type(p.field_info).__name__ == "Form"]
    path_names = [p.name for p in path_params]
    form_names = [p.name for p in form_params]
    json_names = _json_fields(body)
    existing = EXISTING | {"comment_id": str(comment_id)}

    def path(override: dict[str, str]) -> str:
        values = {n: override.get(n, existing.get(n, "1")) for n in path_names}
        return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: quote(values[m.group(1)], safe=""), route.path)

    for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
        if (method, route.path) in SKIPPED:
            continue
        yield method, path({}), {}, {}, None, None  # everything missing
        for value in PAYLOADS:
            for param in path_params:
                if value in _payloads(param):
                    yield method, path({param.name: value}), {}, {}, None, None
            for param in query_params:
                if value in _payloads(param):
                    yield method, path({}), {param.name: value}, {}, None, None
            for param in form_params:
                if value in _payloads(param):
                    yield method, path({}), {}, {param.name: value}, None, None
            if json_names:
                yield method, path({}), {}, {}, dict.fromkeys(json_names, value), None
        if form_names:  # invalid UTF-8 in a form body
            raw = "&".join(f"{n}=%FF%FE" for n in form_names).encode()
            yield method, path({}), {}, {}, None, raw
        if json_names:
            for wrong in (dict.fromkeys(json_names, 12), dict.fromkeys(json_names, [1]), [], 7):
                yield method, path({}), {}, {}, wrong, None
            yield method, path({}), {}, {}, None, b'{"' + json_names[0].encode() + b'": "\xff"}'


@pytest.fixture
def settings(settings):
    many = "100000/minute"
    return settings.model_copy(
        update={
            "rate_limit_writes": many,
            "rate_limit_login_ip": many,
            "rate_limit_login_account": many,
            "rate_limit_signup": many,
            "rate_limit_password_reset": many,
            "rate_limit_subscribe": many,
            "response_cache_seconds": 0,
            "arxiv_api_url": "http://127.0.0.1:9/api/query",  # never reached: ids are bad
        }
    )


@pytest.mark.slow
def test_no_parameter_of_any_route_makes_a_server_error(
    client, app, make_user, paper_factory, session_factory
):
    paper_factory(arxiv_id="2611.00001", title="A paper", feed_day=date(2026, 11, 20))
    make_user("grace", role="admin")
    log_in(client, "grace")
    comment = client.post(
        "/papers/2611.00001/comments",
        data={"body": "first", "csrf_token": csrf_of(client.get("/papers/2611.00001").text)},
        follow_redirects=False,
    )
    assert comment.status_code == 303, comment.text
    with session_factory() as session:
        comment_id = session.scalar(select(Comment.id))

    routes = list(app_routes(app))
    assert len(routes) >= 60
    failures, sent = [], 0
    for route in routes:
        token = _signed_in_token(client)
        for method, path, query, form, json, raw in requests_of(route, comment_id):
            headers = {"X-CSRF-Token": token}
            kwargs: dict = {"params": query, "headers": headers, "follow_redirects": False}
            if raw is not None:
                json_body = raw.startswith(b"{")
                headers["content-type"] = (
                    "application/json" if json_body else "application/x-www-form-urlencoded"
                )
                kwargs["content"] = raw if json_body else raw + f"&csrf_token={token}".encode()
            elif json is not None:
                kwargs["json"] = json
            elif method != "GET":
                kwargs["data"] = {**form, "csrf_token": token}
            sent += 1
            try:
                r = client.request(method, path, **kwargs)
            except Exception as exc:  # an unhandled error is a 500 too
                failures.append((method, path[:80], query, str(form)[:80], repr(exc)[:200]))
                continue
            if r.status_code >= 500:
                failures.append((method, path[:80], query, str(form)[:80], r.status_code))
            elif "html" in r.headers.get("content-type", "") and "<script>alert(1)" in r.text:
                failures.append((method, path[:80], query, str(form)[:80], "unescaped markup"))
    assert sent > 1000
    assert failures == [], "\n".join(map(str, failures))

    # The tables are intact and the site still answers.
    with session_scope(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 1
        assert session.scalar(select(User.role).where(User.username == "grace")) == "admin"
    assert client.get("/").status_code == 200
    assert client.get("/api/daily_papers", params={"date": "2026-11-20"}).status_code == 200


def _signed_in_token(client) -> str:
    """The CSRF token of the admin's session, signing in again if a request ended it."""
    page = client.get("/account", follow_redirects=False)
    if page.status_code != 200:
        log_in(client, "grace")
        page = client.get("/account")
    return csrf_of(page.text)
