"""The viewer's feedback on the papers of a page ("more like this", "not interested"), for
the feedback buttons every card carries for a signed-in reader (``_feedback_buttons.html``):
the ``feedback`` of a page's context, arXiv id -> kind. Empty for anonymous readers, whose
cards have no such buttons."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from paperfeed.http.auth import get_auth
from paperfeed.library.feedback import feedback_among
from paperfeed.service.views import PaperView


def my_feedback(request: Request, session: Session, papers) -> dict[str, str]:
    account = get_auth(request).account
    if account is None:
        return {}
    ids = (p.arxiv_id for p in papers if isinstance(p, PaperView))
    return feedback_among(session, account.id, ids)
