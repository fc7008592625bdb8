"""What the community tests share: the pinned clock, forms with their CSRF token, an arXiv
Atom answer, and a check that rendered HTML holds nothing that can run."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from xml.sax.saxutils import escape

from fake_server import Reply

from members import NOW, PASSWORD, csrf_of, post_form  # noqa: F401 (re-exported)
from members import signed_in as log_in  # noqa: F401 (re-exported)


def api_headers(client) -> dict[str, str]:
    """Cookie-authenticated JSON calls need the page's CSRF token as a header."""
    return {"X-CSRF-Token": csrf_of(client.get("/submit").text)}


def atom_entry(
    arxiv_id: str,
    *,
    title: str = "A submitted paper",
    abstract: str = "What it is about.",
    published: str = "2026-11-18T10:00:00Z",
    authors: tuple[str, ...] = ("Ada Lovelace", "Grace Hopper"),
) -> Reply:
    names = "".join(f"<author><name>{escape(a)}</name></author>" for a in authors)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id>"
        f"<updated>{published}</updated><published>{published}</published>"
        f"<title>{escape(title)}</title><summary>{escape(abstract)}</summary>{names}"
        '<arxiv:primary_category term="cs.LG"/><category term="cs.LG"/></entry></feed>'
    )
    return Reply(body=body.encode(), headers={"Content-Type": "application/atom+xml"})


EMPTY_FEED = Reply(
    body=b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>',
    headers={"Content-Type": "application/atom+xml"},
)

SAFE_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
SAFE_ATTRS = {"href", "title", "rel", "start", "class"}


class _Inert(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in SAFE_ATTRS:
                self.problems.append(f"attribute {name}= on <{tag}>")
            if name == "href" and not re.match(r"^(https?:|mailto:|/|#)", value or "", re.I):
                self.problems.append(f"href {value!r}")
            if name == "class" and value not in ("align-left", "align-center", "align-right"):
                self.problems.append(f"class {value!r}")
            if name == "rel" and value != "nofollow ugc noopener":
                self.problems.append(f"rel {value!r}")


def assert_inert(html: str) -> None:
    """``html`` (a rendered comment) holds only allow-listed tags, attributes and URLs."""
    parser = _Inert()
    parser.feed(html)
    assert not parser.problems, (parser.problems, html)
