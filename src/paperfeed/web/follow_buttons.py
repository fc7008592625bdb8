"""Follow buttons where a reader meets the thing: the search page (the author and category
filtered on, and "follow this search"), the paper page (its authors and category chips) and
a member's page. Each button is a plain form (``_follow_button.html``: POST /follows, works
without JavaScript) that follows.js sends to the JSON API instead.

Pages ask here for the buttons' state (which of the things the viewer follows) in one query;
anonymous readers get log-in links (no form, so the page stays the same for every anonymous
reader and can be cached).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from paperfeed.accounts.identity import lookup_key
from paperfeed.errors import InvalidInput
from paperfeed.http.auth import get_auth
from paperfeed.library import follows
from paperfeed.library.follows import AUTHOR, CATEGORY, TOPIC, Thing
from paperfeed.service.authors import name_key
from paperfeed.service.search_request import SearchRequest
from paperfeed.service.views import PaperView

# A collaboration paper may list thousands of authors: the first ones get buttons (the others
# are followed from their search page, where every author link leads).
AUTHOR_BUTTONS = 50


@dataclass(frozen=True)
class FollowButton:
    kind: str  # what the form sends: author | member | category | topic
    value: str  # the name, username, category code or query
    label: str  # what the button names ("Follow cs.CL")
    mode: str | None = None  # topics
    follow_id: int | None = None  # the viewer's follow of it, if any
    # What it follows, "kind<TAB>key": a member page's shared render marks the button's
    # state with it, and each member's is read by it (web/member_pages.py).
    state_key: str = ""

    @property
    def following(self) -> bool:
        return self.follow_id is not None


def _buttons(
    request: Request, session: Session, pairs: list[tuple[FollowButton, Thing]]
) -> list[FollowButton]:
    account = get_auth(request).account
    states = follows.followed_among(
        session, account.id if account else None, [t for _b, t in pairs]
    )
    return [
        FollowButton(
            b.kind, b.value, b.label, b.mode, states.get((t.kind, t.key)), f"{t.kind}\t{t.key}"
        )
        for b, t in pairs
    ]


def _author(name: str) -> tuple[FollowButton, Thing]:
    label = " ".join(name.split())
    return FollowButton(AUTHOR, label, label), Thing(AUTHOR, name_key(label), label)


def _category(code: str) -> tuple[FollowButton, Thing] | None:
    try:
        thing = follows.category_thing(code)
    except InvalidInput:
        return None
    return FollowButton(CATEGORY, thing.key, thing.label), thing


def search_buttons(
    request: Request, session: Session, asked: SearchRequest, mode: str
) -> list[FollowButton]:
    """The search page's: its author filter, its category filter and its words; none for
    text with control characters, which no follow can hold (PostgreSQL refuses NUL)."""
    asked_text = (asked.filters.author or "") + (asked.filters.category or "") + asked.query
    if any(ord(c) < 32 or ord(c) == 127 for c in asked_text):
        return []
    pairs: list[tuple[FollowButton, Thing]] = []
    if asked.filters.author and asked.filters.author.strip():
        pairs.append(_author(asked.filters.author))
    if asked.filters.category and (made := _category(asked.filters.category)):
        pairs.append(made)
    words = " ".join(asked.query.split())
    if words and len(words) <= follows.MAX_QUERY:
        thing = follows.topic_thing(words, mode)
        pairs.append((FollowButton(TOPIC, words, "this search", mode), thing))
    return _buttons(request, session, pairs)


def paper_buttons(request: Request, session: Session, paper: PaperView) -> dict[str, object]:
    """The paper page's: ``author_follows`` (one per author) and ``category_follows``
    (category code -> button). Nothing for anonymous readers (the chips stay links)."""
    if get_auth(request).account is None:
        return {"author_follows": [], "category_follows": {}}
    names = [a for a in paper.authors if a.strip() and len(a) <= follows.MAX_NAME]
    pairs = [_author(a) for a in names[:AUTHOR_BUTTONS]]
    categories = [made for c in paper.categories if (made := _category(c))]
    made = _buttons(request, session, pairs + categories)
    return {
        "author_follows": made[: len(pairs)],
        "category_follows": {b.value: b for b in made[len(pairs) :]},
    }


def member_button(request: Request, session: Session, username: str) -> FollowButton:
    """A member's page: follow the papers of their approved claims."""
    key = follows.MEMBER_PREFIX + (lookup_key(username) or "")
    button = FollowButton("member", username, f"@{username}")
    return _buttons(request, session, [(button, Thing(AUTHOR, key, button.label))])[0]
