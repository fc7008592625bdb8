"""Templating for the HTML pages, in one place: the Jinja filters, what every page's context
holds (``viewer``, ``csrf_token()``, ``csrf_field()``, ``site_name``, ``version``), the
templates object the app keeps (:func:`make_templates`) and the :func:`render` helper.

Who is asking and the CSRF token are computed by the HTTP layer (:mod:`paperfeed.http.auth`);
this module only puts them in reach of the templates. The HTTP layer's error pages render
through the same object, as ``request.app.state.templates`` (http never imports web).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import BytecodeCache, Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

import paperfeed
from paperfeed.http.auth import CSRF_FIELD, browser_csrf_token, get_auth
from paperfeed.links import github_url, web_url
from paperfeed.settings import Settings
from paperfeed.text import latex
from paperfeed.text.paper_html import excerpt, paragraphs
from paperfeed.web.card_bodies import CardBodies
from paperfeed.web.url_quote import urlencode

TEMPLATES = Path(__file__).parent / "templates"

# ---------------------------------------------------------------- filters


MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
# The names as strftime's %B gives them in the C locale, looked up: %B costs ~14 us a date
# here (issue 16), and a paper page formats one per comment.


@pass_context
def short_date(ctx: Any, value: date | datetime | None) -> str:
    """ "Aug 9, 2021"; the year is left out within the current year ("Mar 1")."""
    if value is None:
        return ""
    now = ctx.get("now") or datetime.now(UTC)
    month = MONTHS[value.month - 1][:3]
    if value.year == now.year:
        return f"{month} {value.day}"
    return f"{month} {value.day}, {value.year}"


def long_date(value: date | datetime | None) -> str:
    return "" if value is None else f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def compact(n: int | None) -> str:
    """Star counts the way GitHub shows them: 950, 1.2k, 35k."""
    if n is None:
        return ""
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{n // 1000}k"


def github_name(repo: str | None) -> str:
    url = github_url(repo)
    if not url:
        return ""
    path = urlsplit(url).path.strip("/")
    return path.removesuffix(".git") or url


FILTERS = {
    "short_date": short_date,
    "long_date": long_date,
    "plural": plural,
    "compact": compact,
    "paragraphs": paragraphs,
    "excerpt": excerpt,
    "http_url": web_url,  # the views are checked already (paperfeed.links): defence in depth
    "github_url": github_url,
    "github_name": github_name,
    # Titles and abstracts: latex_html on HTML, latex_text where only text goes
    # (<title>, attributes, meta); docs/text-and-math.md
    "latex_html": latex.to_html,
    "latex_text": latex.to_plain_text,
    "urlencode": urlencode,  # Jinja's output, faster (web/url_quote.py)
}

# ---------------------------------------------------------------- every page's context


def page_context(request: Request) -> dict[str, Any]:
    """Jinja context processor: ``viewer`` and ``csrf_token()`` on every page. The token is
    only computed if the page asks for it (a form): only then may a pre-session cookie be
    minted, which makes the page per-browser. The shared render of a member page
    (web/member_pages.py) gets markers instead: ``member_slots`` says where they go."""
    slots = getattr(request.state, "member_slots", None)
    if slots is not None:
        csrf = slots.value("csrf")
        return {
            "viewer": get_auth(request).account,
            "csrf_token": lambda: csrf,
            "member_slots": slots,
        }
    return {
        "viewer": get_auth(request).account,
        "csrf_token": partial(browser_csrf_token, request),
        "member_slots": None,
    }


@pass_context
def per_member(ctx: Any, kind: str, key: Any, render: Any, state: Any) -> Markup:
    """``{{ per_member("upvoted", paper.arxiv_id, vote_form, mine) }}``: the part in the
    viewer's state; in a member page's shared render, every state's variant in markers."""
    slots = ctx.get("member_slots")
    if slots is None:
        return Markup(render(state))  # noqa: S704 (a macro's output, escaped by Jinja)
    return slots.switch(kind, key, render)


@pass_context
def member_hole(ctx: Any, kind: str, key: Any) -> Markup | None:
    """In a member page's shared render, the marker of a part filled per member (then the
    template leaves the part out); otherwise None (the template renders the part)."""
    slots = ctx.get("member_slots")
    return None if slots is None else slots.hole(kind, key)


@pass_context
def csrf_field(ctx: Any) -> Markup:
    """``{{ csrf_field() }}`` inside every POST form."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        CSRF_FIELD, ctx["csrf_token"]()
    )


class CompiledTemplates(BytecodeCache):
    """The compiled templates, kept in memory for every app of the process: each app has its
    own environment (its globals name its site), and without this each one compiled again
    every template it renders (~10 ms each). Jinja checks a template's source checksum before
    it uses the code, so an edited template is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


def make_templates(settings: Settings) -> Jinja2Templates:
    """The pages' templates with their filters and shared context (``app.state.templates``)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(),
        bytecode_cache=COMPILED,
        # A plain dict of the loaded templates (the package's few dozen files), not Jinja's
        # LRUCache: that takes a lock on every get_template, which every include calls, and
        # under load the request threads convoyed on it (byte_cache.py has the story).
        cache_size=-1,
    )
    templates = Jinja2Templates(env=env, context_processors=[page_context])
    # The templates ship with the package and do not change under a running server: no
    # file modification check on every template (and include) of every page.
    templates.env.auto_reload = False
    templates.env.filters.update(FILTERS)  # before CardBodies loads its template
    templates.env.globals.update(
        site_name=settings.site_name,
        csrf_field=csrf_field,
        version=paperfeed.__version__,
        per_member=per_member,
        member_hole=member_hole,
        card_body=CardBodies(env).global_function(),
    )
    return templates


# ---------------------------------------------------------------- rendering


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    alternate: str | None = None,
    cache: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template``; ``alternate`` is the page's JSON twin, advertised in the
    document head and as an HTTP ``Link`` header."""
    context.setdefault("alternate", alternate)
    response = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    if alternate:
        response.headers["Link"] = f'<{alternate}>; rel="alternate"; type="application/json"'
    if cache:
        # A signed-in reader's page is theirs (their name, their upvotes): no shared caches.
        signed_in = get_auth(request).account is not None
        response.headers["Cache-Control"] = "private, no-cache" if signed_in else cache
    return response
