"""Hugging Face organizations named by a batch of records: found or created, by name.

An organization's full name and avatar take the latest values a source reports, like the
other community fields (ingest/upsert.py); a value it does not give never erases one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from paperfeed.ingest.records import PaperRecord
from paperfeed.store.models import Organization

_DETAILS = ("fullname", "avatar", "hf_id")


def organization_ids(session: Session, records: list[PaperRecord], now: datetime) -> dict[str, int]:
    """The id of every organization the records name, by name (created when new)."""
    wanted: dict[str, dict] = {}
    for rec in records:
        if rec.organization:  # later records win, but a value one leaves out is kept
            known = wanted.setdefault(rec.organization["name"], {})
            known.update((k, v) for k, v in rec.organization.items() if v)
    if not wanted:
        return {}
    table = Organization.__table__
    stored = {
        row["name"]: dict(row)
        for row in session.execute(
            select(table.c.id, table.c.name, *(table.c[c] for c in _DETAILS)).where(
                table.c.name.in_(list(wanted))
            )
        ).mappings()
    }
    new = [
        {"name": name, **{k: org.get(k) for k in _DETAILS}, "updated_at": now}
        for name, org in wanted.items()
        if name not in stored
    ]
    if new:
        session.execute(insert(table), new)
    changed = []
    for name, row in stored.items():
        given = {k: v for k in _DETAILS if (v := wanted[name].get(k)) and v != row[k]}
        if given:
            changed.append({"o_id": row["id"], **given})
    for values in changed:
        o_id = values.pop("o_id")
        session.execute(update(table).where(table.c.id == o_id).values(**values, updated_at=now))
    if new:
        stored.update(
            (name, {"id": o_id})
            for o_id, name in session.execute(
                select(table.c.id, table.c.name).where(
                    table.c.name.in_([row["name"] for row in new])
                )
            )
        )
    return {name: row["id"] for name, row in stored.items()}
