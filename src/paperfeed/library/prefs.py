"""A member's for-you settings (``reader_prefs``): the mix between personal relevance and the
community's trending signal, the window in days and "hide papers I have seen".

A member without a row has the defaults; the first change makes the row (insert-if-absent,
so two first changes at once do not collide). The private feed token lives in the same row
but is written by the feed's own module; this one only says whether there is one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from paperfeed.errors import InvalidInput
from paperfeed.store.library_models import ReaderPrefs

DEFAULT_MIX = 0.7  # mostly mine, some of the community
DEFAULT_DAYS = 7
WINDOWS = (1, 7, 30)  # the windows a reader may choose, in days


@dataclass(frozen=True)
class PrefsView:
    """``mix``: 1.0 only mine, 0.0 only the community (see docs/for-you.md)."""

    mix: float = DEFAULT_MIX
    days: int = DEFAULT_DAYS
    hide_seen: bool = False
    onboarded_at: datetime | None = None
    has_feed_token: bool = False

    def asked(
        self, *, days: int | None = None, mix: float | None = None, hide_seen: bool | None = None
    ) -> dict:
        """A request's for-you options: what it asked for, else the member's stored choice
        (``for_you``'s ``days``, ``mix`` and ``hide_seen`` arguments)."""
        return {
            "days": self.days if days is None else check_days(days),
            "mix": self.mix if mix is None else mix,
            "hide_seen": self.hide_seen if hide_seen is None else hide_seen,
        }


def check_mix(mix: float) -> float:
    """``mix`` as a float in [0, 1]; InvalidInput otherwise (NaN too)."""
    try:
        value = float(mix)
    except (TypeError, ValueError):
        raise InvalidInput(f"mix must be a number between 0 and 1, got {mix!r}") from None
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise InvalidInput(f"mix must be between 0 and 1, got {mix!r}")
    return value


def check_days(days: int) -> int:
    if isinstance(days, bool) or days not in WINDOWS:
        raise InvalidInput(f"days must be one of {', '.join(map(str, WINDOWS))}, got {days!r}")
    return int(days)


def get_prefs(session: Session, user_id: int) -> PrefsView:
    """The member's settings, or the defaults when they never changed any."""
    return _view(session.get(ReaderPrefs, user_id))


def _view(row: ReaderPrefs | None) -> PrefsView:
    if row is None:
        return PrefsView()
    return PrefsView(
        mix=float(row.mix),
        days=int(row.days),
        hide_seen=bool(row.hide_seen),
        onboarded_at=row.onboarded_at,
        has_feed_token=row.feed_token_hash is not None,
    )


def ensure_prefs(session: Session, user_id: int, *, now: datetime) -> None:
    """Make the member's row with the defaults unless it exists (insert-if-absent). No commit."""
    insert_ = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    session.execute(
        insert_(ReaderPrefs)
        .values(
            user_id=user_id, mix=DEFAULT_MIX, days=DEFAULT_DAYS, hide_seen=False, updated_at=now
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
    )


def set_prefs(
    session: Session,
    user_id: int,
    *,
    mix: float | None = None,
    days: int | None = None,
    hide_seen: bool | None = None,
    onboarded: bool | None = None,
    now: datetime,
) -> PrefsView:
    """Change the given settings (None: leave as is); InvalidInput for a mix outside [0, 1]
    or a window other than 1, 7 or 30 days, before anything is written. ``onboarded``
    True marks the cold-start picks done (once), False undoes that. No commit."""
    values: dict = {}
    if mix is not None:
        values["mix"] = check_mix(mix)
    if days is not None:
        values["days"] = check_days(days)
    if hide_seen is not None:
        values["hide_seen"] = bool(hide_seen)
    ensure_prefs(session, user_id, now=now)
    if onboarded is not None:
        current = session.scalar(
            select(ReaderPrefs.onboarded_at).where(ReaderPrefs.user_id == user_id)
        )
        values["onboarded_at"] = (current or now) if onboarded else None
    if values:
        values["updated_at"] = now
        session.execute(update(ReaderPrefs).where(ReaderPrefs.user_id == user_id).values(**values))
    # The row as stored now, not as this session may have loaded it before the update.
    return _view(session.get(ReaderPrefs, user_id, populate_existing=True))
