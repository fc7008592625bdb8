"""The signed-in side of bench/load.py (issue 16, item 5): the same pages as a member.

``--signed-in`` adds, next to each anonymous scenario, its member twin on the same data in
the same run: ``member-feed`` (``/``), ``member-paper`` (every paper, shuffled: the long tail,
nearly every page uncached), ``paper-hot`` and ``member-paper-hot`` (see ``hot_papers``: the
pages a site's readers open again and again), ``member-search`` (the same long-tail hybrid queries) and ``for-you``; and, for the figure
before issue 16, ``member-feed-whole`` and ``member-paper-whole`` (see ``WHOLE``). Each request carries
the session cookie of one of ``MEMBERS`` browser sessions, made directly in the database
(``accounts.sessions.start_session``, as a log-in does) for the bench's members; each member
has upvoted and saved a few papers first (through the service), so their cards have state
and their for-you list has something to go on.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from paperfeed.accounts.sessions import start_session
from paperfeed.http.auth import cookie_name, lifetimes
from paperfeed.http.read_routing import PRIMARY_COOKIE
from paperfeed.library.collections import save_paper
from paperfeed.service.votes import set_vote
from paperfeed.settings import Settings
from paperfeed.store.db import make_engine, make_sessionmaker, session_scope

MEMBERS = 8  # browser sessions the member scenarios spread over
SIGNALS = 12  # papers each member upvotes and saves before the run
MEMBER_TWINS = {"feed": "member-feed", "paper": "member-paper", "search": "member-search"}
HOT = {"paper": ("paper-hot", "member-paper-hot")}  # after "paper": anonymous, then member
HOT_PAPERS = 30  # of the front page's day, and as many of the most upvoted recent ones
HOT_REPEAT = 40  # times each hot page is in a request file (shuffled)
FOR_YOU = "for-you"
# Also measured the way they were before issue 16, rendered whole for the member: the
# read-your-writes cookie sends a request past the member-page overlay to the application.
WHOLE = {"feed": "member-feed-whole", "paper": "member-paper-whole"}


def member_cookies(url: str, workdir: Path) -> list[str]:
    """``Cookie`` header values of ``MEMBERS`` sessions of members loadbench1..N (made by
    bench/load.py's ``members``), kept in ``workdir`` for the next run."""
    kept = workdir / "cookies.json"
    if kept.exists():
        return json.loads(kept.read_text())
    settings = Settings(database_url=url, _env_file=None)
    engine = make_engine(url, pool_size=1)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    cookies = []
    with engine.connect() as conn:
        ids = conn.execute(
            text("SELECT id FROM users WHERE username LIKE 'loadbench%' ORDER BY id LIMIT :n"),
            {"n": MEMBERS},
        ).scalars()
        user_ids = list(ids)
        papers = conn.execute(
            text("SELECT arxiv_id FROM papers ORDER BY published_at DESC LIMIT :n"),
            {"n": SIGNALS * MEMBERS},
        ).scalars()
        recent = list(papers)
    for k, user_id in enumerate(user_ids):
        with session_scope(sessions) as session:
            for arxiv_id in recent[k * SIGNALS : (k + 1) * SIGNALS]:
                set_vote(session, user_id, arxiv_id, up=True, now=now)
                save_paper(session, user_id, arxiv_id, now=now)
            raw = start_session(session, user_id, now=now, lifetimes=lifetimes(settings))
        cookies.append(f"{cookie_name(settings)}={raw}")
    engine.dispose()
    kept.write_text(json.dumps(cookies))
    return cookies


def hot_papers(url: str) -> list[str]:
    """The paper pages of a realistic hot set: the papers of the front page's day (the
    newest day of ``daily_entries``, most upvoted first) and the most upvoted of the newest
    week of papers (what trending shows); the newest papers if there are no daily entries.
    These are the pages most views of a site are of, viewed again and again, so their
    renders are cached (the anonymous figure of issue 16, 7,122 requests/s on one paper
    page, is such a page); ``paper`` walks every paper once for the uncached cost."""
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        day = conn.execute(
            text(
                "SELECT p.arxiv_id FROM daily_entries d JOIN papers p ON p.id = d.paper_id"
                " WHERE d.day = (SELECT max(day) FROM daily_entries)"
                " ORDER BY p.upvotes DESC LIMIT :n"
            ),
            {"n": HOT_PAPERS},
        ).scalars()
        newest = conn.execute(
            text(
                "SELECT arxiv_id FROM (SELECT arxiv_id, upvotes FROM papers"
                " ORDER BY published_at DESC LIMIT :week) AS recent"
                " ORDER BY upvotes DESC LIMIT :n"
            ),
            {"n": HOT_PAPERS, "week": 7 * HOT_PAPERS * 10},
        ).scalars()
        hot = list(dict.fromkeys([*day, *newest]))
    engine.dispose()
    return [f"/papers/{a}" for a in hot]


def member_lines(lines_of: dict, cookies: list[str], hot: list[str]) -> dict:
    """The member twins of ``lines_of``'s scenarios, the hot paper pages (``hot``, anonymous
    and as members), and for-you: each line ``path<TAB>cookie:<Cookie header>``
    (bench/wrk/requests.lua sends it as a GET with that cookie)."""

    def twin(make, cookies):
        def lines(rng):
            paths = make(rng)
            who = rng.integers(len(cookies), size=len(paths))
            return [f"{p}\tcookie:{cookies[w]}" for p, w in zip(paths, who, strict=True)]

        return lines

    made = {MEMBER_TWINS[name]: twin(lines_of[name], cookies) for name in MEMBER_TWINS}
    whole = [f"{c}; {PRIMARY_COOKIE}=1" for c in cookies]
    made.update({WHOLE[name]: twin(lines_of[name], whole) for name in WHOLE})
    made[FOR_YOU] = twin(lambda rng: ["/for-you"] * 64, cookies)

    def hot_lines(rng):
        return [hot[i % len(hot)] for i in rng.permutation(len(hot) * HOT_REPEAT)]

    anonymous, member = HOT["paper"]
    made[anonymous] = hot_lines
    made[member] = twin(hot_lines, cookies)
    return made


def interleaved(scenarios: tuple[str, ...]) -> tuple[str, ...]:
    """Each anonymous scenario followed by its member twins (and the paper page's hot
    set), then for-you."""
    out: list[str] = []
    for name in scenarios:
        out.append(name)
        if name in MEMBER_TWINS:
            out.append(MEMBER_TWINS[name])
        if name in WHOLE:
            out.append(WHOLE[name])
        out.extend(HOT.get(name, ()))
    return (*out, FOR_YOU)
