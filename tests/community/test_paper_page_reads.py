"""An uncached paper page reads what it shows in few statements (issue 16, item 3): the
paper with the change head and whether it has claims or comments at all, then only what it
has; a small discussion in one statement. What the page shows is unchanged."""

from __future__ import annotations

import pytest
from community_helpers import NOW
from sqlalchemy import event

from paperfeed.service import authors
from paperfeed.service.comments import add_comment
from paperfeed.store.db import session_scope

PAPER = "2611.00001"
QUIET = "2611.00002"  # no comments, no claims


@pytest.fixture
def papers(paper_factory):
    paper_factory(arxiv_id=PAPER, authors=["Ada Lovelace", "Grace Hopper"])
    paper_factory(arxiv_id=QUIET, authors=["Alan Turing"])


@pytest.fixture
def statements(app):
    """The SQL statements the app runs, transaction control left out."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT", "PRAGMA")):
            seen.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.state.engine, "before_cursor_execute", record)


def _discuss(session_factory, make_user):
    ada, admin = make_user("ada"), make_user("grace", role="admin")
    with session_scope(session_factory) as s:
        first = add_comment(s, PAPER, ada, "The *first* comment.", now=NOW)
        add_comment(s, PAPER, ada, "A reply to it.", now=NOW, parent_id=first.id)
        add_comment(s, PAPER, ada, "Another thread.", now=NOW)
        claim = authors.claim_authorship(s, ada, PAPER, "Grace Hopper", now=NOW)
        authors.decide_claim(s, admin, claim.id, True, now=NOW)


def test_a_paper_with_comments_and_a_claim_is_read_in_three_statements(
    client, papers, session_factory, make_user, statements
):
    _discuss(session_factory, make_user)
    statements.clear()
    page = client.get(f"/papers/{PAPER}?nocache=1").text
    reads = [s for s in statements if "paper_changes" not in s or "papers.arxiv_id" in s]
    # the paper (with the change head, claims and comments marks), its claims, its comments
    assert len(reads) == 3, reads
    assert "<em>first</em> comment" in page and "Another thread." in page
    reply = page.index("A reply to it.")
    assert page.index('class="comment-replies"') < reply  # nested under its parent
    assert 'href="/users/ada"' in page  # the approved claim names its member
    assert "3 comments" in page


def test_a_paper_without_comments_or_claims_is_read_in_one_statement(client, papers, statements):
    statements.clear()
    page = client.get(f"/papers/{QUIET}?nocache=1").text
    reads = [s for s in statements if "paper_changes" not in s or "papers.arxiv_id" in s]
    assert len(reads) == 1, reads
    assert "No comments yet." in page
    assert client.get(f"/papers/{QUIET}?comments_page=2").status_code == 404
