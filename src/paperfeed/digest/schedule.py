"""What ``paperfeed worker`` should run at a given time. Pure: ``now`` is an argument.

- ``ingest-arxiv`` for yesterday (UTC), from ``worker_ingest_hour`` on (if a set is given);
- ``digest-daily`` for yesterday, from ``worker_digest_hour`` on;
- ``digest-weekly`` for the last complete ISO week, from ``worker_digest_hour`` on its
  ``worker_weekly_weekday`` (0 = the Monday right after the week).

Each job stays due until its next period begins, and runs once per period (the job lock
records that it finished), so a worker started late or restarted catches up with the
latest period of each job, and never sends an older digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal

from paperfeed.digest.periods import Cadence, last_complete, period_key
from paperfeed.service.periods import Period
from paperfeed.settings import Settings


@dataclass(frozen=True)
class Job:
    name: str
    key: str
    kind: Literal["ingest", "digest"]
    period: Period
    cadence: Cadence | None = None


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def due_jobs(now: datetime, settings: Settings) -> list[Job]:
    jobs: list[Job] = []
    yesterday = last_complete("daily", now)
    if settings.worker_ingest_set and now >= _at(now.date(), settings.worker_ingest_hour):
        jobs.append(Job("ingest-arxiv", period_key(yesterday), "ingest", yesterday))
    if now >= _at(now.date(), settings.worker_digest_hour):
        jobs.append(Job("digest-daily", period_key(yesterday), "digest", yesterday, "daily"))
    week = last_complete("weekly", now)
    due = _at(
        week.end + timedelta(days=settings.worker_weekly_weekday), settings.worker_digest_hour
    )
    if now >= due:
        jobs.append(Job("digest-weekly", period_key(week), "digest", week, "weekly"))
    return jobs
