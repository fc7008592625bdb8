"""What one digest run did (:class:`RunReport`): counts, why it stopped, the errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

INTERRUPTED = "interrupted"  # RunReport.stopped when asked to stop (SIGTERM)


@dataclass
class RunReport:
    cadence: str
    period_key: str
    dry_run: bool = False
    planned: int = 0  # outbox rows recorded by this run
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    remaining: int = 0  # still pending when the run ended
    already_done: int = 0  # dry run: subscriptions whose digest is already sent or settled
    stopped: str | None = None  # why the run ended before its last row
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.stopped is None

    def summary(self) -> str:
        head = f"{self.cadence} digest {self.period_key}"
        if self.dry_run:
            return (
                f"{head} (dry run): would send {self.sent}, would skip {self.skipped} "
                f"(nothing matched), {self.already_done} already done; nothing sent or written"
            )
        text = (
            f"{head}: {self.sent} sent, {self.skipped} skipped, {self.failed} failed, "
            f"{self.remaining} pending ({self.planned} newly planned)"
        )
        return text + (f"; stopped: {self.stopped}" if self.stopped else "")

    def as_dict(self) -> dict:
        return asdict(self)
