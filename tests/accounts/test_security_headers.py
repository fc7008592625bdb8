"""Security headers on every route (issue 12, item 9; http/security_headers.py), walked from the
app's own route list so routes added later are included: anonymous, signed in with the
session cookie and with an API token. And no page the app renders holds inline script, an
inline event handler or an inline style, which the Content-Security-Policy would block."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from accounts_helpers import app_routes, csrf_of, log_in
from fastapi.testclient import TestClient

from members import fill_path, new_token, route_values
from paperfeed.app import create_app
from paperfeed.http.security_headers import csp

PAPER = "2611.00001"
# Path parameters take values that exist, so the walk reaches the real pages.
EXISTING = route_values(PAPER)
# Not API routes, answered all the same: the schema, static files, an unknown path.
EXTRA = ["/openapi.json", "/static/app.css", "/static/vendor/redoc/redoc.standalone.js", "/nope"]
# Pages that FastAPI would add as plain routes (its own /docs and /redoc, with inline script):
# visited by name, so the walk does not depend on how they are registered.
NAMED = ["/docs", "/redoc"]
FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
# Pages whose URL carries a token send no Referer at all (their route's own, stricter policy).
NO_REFERRER = {"/signup/confirm", "/reset/confirm", "/subscribe/confirm", "/unsubscribe"}
# A table with alignment (markdown-it writes style= for it) and math in a title.
COMMENT = "| left | right |\n|:--|--:|\n| a | b |\n\n**bold** and [a link](https://example.org)"


@pytest.fixture
def site(settings, paper_factory, make_user, session_factory):
    paper_factory(
        arxiv_id=PAPER,
        title="AstroM$^3$: a model with $x_i^2$ in its title",
        feed_day=date(2026, 11, 20),
        upvotes=3,
    )
    make_user("ada", role="admin")  # an admin: the walk sees the admin pages too
    return session_factory


def _requests(app, comment_id: int):
    """(method, path) of every route, path parameters filled in."""
    values = EXISTING | {"comment_id": str(comment_id), "token_id": "1"}
    found = []
    for route in app_routes(app):
        path = fill_path(route.path, values)
        found += [(method, path) for method in sorted(route.methods - {"HEAD", "OPTIONS"})]
    found += [("GET", path) for path in EXTRA + NAMED]
    return list(dict.fromkeys(found))


def _send(client, method: str, path: str, **kwargs):
    # Unsafe methods go without a CSRF token: refused (403) with nothing changed, but answered.
    return client.request(method, path, follow_redirects=False, **kwargs)


def _check_fixed(r, where) -> list:
    problems = []
    for name, value in FIXED.items():
        if name == "referrer-policy" and where[1] in NO_REFERRER and where[2:4] == ("GET", 200):
            value = "no-referrer"
        got = r.headers.get_list(name)
        if got != [value]:
            problems.append((*where, name, got))
    policies = r.headers.get_list("content-security-policy")
    policy = policies[0] if len(policies) == 1 else repr(policies)
    if where[1] == "/redoc":  # its own: Redoc's <style> elements allowed by nonce and hash
        policy = re.sub(r"style-src 'self' 'nonce-[^;]+", "style-src 'self'", policy)
    if policy != csp():
        problems.append((*where, "csp", policies))
    if "strict-transport-security" in r.headers:  # base_url is http here
        problems.append((*where, "hsts on http"))
    return problems


def _comment(client) -> int:
    page = client.get(f"/papers/{PAPER}")
    r = client.post(
        f"/papers/{PAPER}/comments",
        data={"body": COMMENT, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return int(re.search(r"comment-(\d+)", client.get(f"/papers/{PAPER}").text).group(1))


def test_every_route_sends_the_security_headers(app, client, site):
    log_in(client)
    comment_id = _comment(client)
    problems, seen = [], 0
    token = new_token(site, _account(site))
    with TestClient(app) as anonymous, TestClient(app) as api:
        api.headers["Authorization"] = f"Bearer {token}"
        for method, path in _requests(app, comment_id):
            for who, c in (("anonymous", anonymous), ("session", client), ("token", api)):
                r = _send(c, method, path)
                seen += 1
                where = (who, path, method, r.status_code)
                problems += _check_fixed(r, where)
                cache = r.headers.get_list("cache-control")
                # EXTRA never looks at who asks: the same for everyone, and cacheable
                private = who != "anonymous" and path not in EXTRA
                if (private or path.startswith("/api/whoami")) and cache != ["private, no-store"]:
                    problems.append((*where, "cache-control", cache))
    assert seen > 150
    assert problems == [], "\n".join(map(str, problems))


def _account(sessions):
    from sqlalchemy import select

    from paperfeed.store.models import User

    with sessions() as session:
        return session.scalars(select(User).where(User.username == "ada")).one()


def test_a_response_cache_hit_carries_the_headers(client, site, settings):
    assert settings.response_cache_seconds > 0
    first, second = client.get("/papers"), client.get("/papers")
    assert first.headers["etag"] == second.headers["etag"]  # the second is the cache's copy
    for r in (first, second):
        assert r.headers.get_list("content-security-policy") == [csp()]
        assert r.headers["x-frame-options"] == "DENY"


def test_hsts_only_when_base_url_is_https(settings, site):
    for base, hsts in (("https://papers.example.org", "max-age=31536000"), ("http://x", None)):
        app = create_app(settings.model_copy(update={"base_url": base}))
        with TestClient(app) as c:
            assert c.get("/papers").headers.get("strict-transport-security") == hsts
            assert c.get("/api/daily_papers").headers.get("strict-transport-security") == hsts


def test_whoami_is_never_stored_even_refused(client, site):
    for headers in ({}, {"Authorization": "Bearer pf_wrong"}):
        r = client.get("/api/whoami-v2", headers=headers)
        assert r.status_code == 401
        assert r.headers.get_list("cache-control") == ["private, no-store"]


# ---------------------------------------------------------------- no inline script or style


class _Inline(HTMLParser):
    """What a ``script-src 'self'; style-src 'self'`` policy would block in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            if "src" not in names:
                self.problems.append("inline <script>")
            self.in_script = True
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style={value!r} on <{tag}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"{name}={value!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append("script with a body")


def inline_code(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.problems


def test_the_checker_finds_inline_code():
    assert inline_code('<script>alert(1)</script><a onclick="x()" style="color:red">') == [
        "inline <script>",
        "script with a body",
        "onclick= on <a>",
        "style='color:red' on <a>",
    ]
    assert inline_code('<script src="/static/app.js" defer></script>') == []


def test_no_page_holds_inline_script_handlers_or_styles(app, client, site):
    """Every HTML page of every GET route, anonymous and signed in as an admin, with a paper
    with math in its title and a comment with an aligned table on it."""
    log_in(client)
    comment_id = _comment(client)
    pages, problems = 0, []
    with TestClient(app) as anonymous:
        for method, path in _requests(app, comment_id):
            if method != "GET":
                continue
            for who, c in (("anonymous", anonymous), ("admin", client)):
                r = c.get(path, follow_redirects=False)
                if "text/html" not in r.headers.get("content-type", ""):
                    continue
                pages += 1
                problems += [(who, path, found) for found in inline_code(r.text)]
    assert pages > 40
    assert problems == [], "\n".join(map(str, problems))
    paper = client.get(f"/papers/{PAPER}").text
    assert 'class="align-right"' in paper  # the table kept its alignment, as a class
