"""One member's own parts of a page whose shared render holds the slots of ``keys``
(web/member_slots.py): the same service and library functions the pages call, asked about
the few papers, comments and follows on the page, read on the primary (read-your-writes).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from paperfeed.accounts.users import Account
from paperfeed.errors import NotFound
from paperfeed.http.auth import CSRF_FIELD
from paperfeed.library.collection_edits import list_collections
from paperfeed.library.collections import collections_holding
from paperfeed.library.follows import Thing, followed_among
from paperfeed.library.page_state import page_state
from paperfeed.service.comments import own_comment_ids
from paperfeed.service.papers import visible_paper_id
from paperfeed.web.member_slots import MemberParts


def member_parts(
    conn: Connection, env: Environment, account: Account, csrf: str, keys: dict[str, set[str]]
) -> MemberParts:
    """The member's values, switch states and holes for a page with these slot ``keys``.
    Core reads on ``conn`` (an ORM session's overhead is most of a read this small); the
    save panel's collections through an ORM session on it."""
    session = conn  # page_state, own_comment_ids and followed_among run Core statements
    uid = account.id
    states: dict[str, dict[str, Any]] = {}
    holes: dict[tuple[str, str], str] = {}
    papers = keys.get("upvoted", set()) | keys.get("saved", set()) | keys.get("feedback", set())
    if papers:  # one read for the three
        state = page_state(session, uid, sorted(papers))
        states["upvoted"] = dict.fromkeys(state.upvoted, True)
        states["saved"] = dict.fromkeys(state.saved, True)
        states["feedback"] = state.feedback
    if keys.get("mine"):
        ids = sorted(int(k) for k in keys["mine"])
        states["mine"] = {str(i): True for i in own_comment_ids(session, uid, ids)}
    if keys.get("follow"):
        things = [Thing(*k.split("\t", 1), label="") for k in keys["follow"]]
        followed = followed_among(session, uid, things)
        states["follow"] = {f"{k}\t{v}": True for k, v in followed}
        for (kind, key), follow_id in followed.items():
            holes[("followid", f"{kind}\t{key}")] = str(follow_id)
    for arxiv_id in keys.get("savepanel", ()):
        with Session(bind=conn) as orm:
            holes[("savepanel", arxiv_id)] = save_panel_html(orm, env, account, csrf, arxiv_id)
    values = {"csrf": csrf, "username": account.username, "email": account.email}
    return MemberParts(values=values, states=states, holes=holes)


def save_panel_html(
    session: Session, env: Environment, account: Account, csrf: str, arxiv_id: str
) -> str:
    """The paper page's "Save to" panel of this member (``_save_panel.html``)."""
    try:
        paper_id, _bare = visible_paper_id(session, arxiv_id)
    except NotFound:  # hidden since the shared render: the page says nothing of it
        return ""
    field = Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, csrf)
    return env.get_template("_save_panel.html").render(
        paper=SimpleNamespace(arxiv_id=arxiv_id),
        viewer=account,
        my_collections=list_collections(session, account.id),
        holding=set(collections_holding(session, account.id, paper_id)),
        csrf_field=lambda: field,
    )
