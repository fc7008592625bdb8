"""``paperfeed digest ...``: send the email digests of a period (for cron), see the addresses
the mail server refuses, and unsubscribe by a token (the ``List-Unsubscribe`` mailto)."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from paperfeed.cli import cli
from paperfeed.cli.common import (
    echo_json,
    load_settings,
    open_runtime,
    require_migrated,
    translated_errors,
)
from paperfeed.digest import subscriptions
from paperfeed.digest.periods import CADENCES, last_complete, period_from_key
from paperfeed.store.db import session_scope


@contextmanager
def stop_on_sigterm() -> Iterator[threading.Event]:
    """An event set by SIGTERM (and Ctrl-C): the run stops after the digest in hand."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@cli.group()
def digest() -> None:
    """Email digests: send a period's digests, list failing addresses.

    Example: paperfeed digest send --period daily
    """


@digest.command("send")
@click.option(
    "--period", "cadence", type=click.Choice(CADENCES), required=True, help="Which digests."
)
@click.option(
    "--key",
    help="The period to send: a day (2026-11-25) for daily, an ISO week (2026-W48) for "
    "weekly. Default: the last one that has ended (yesterday, last week; UTC).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be sent; send and write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def send(cadence: str, key: str | None, dry_run: bool, as_json: bool) -> None:
    """Send the digests of one period through the outbox.

    Safe to run again, or after a crash: digests already sent are never sent twice, and
    the rest are sent. Exits with status 1 if the SMTP server stopped the run early.

    Example: paperfeed digest send --period weekly --key 2026-W48
    """
    from paperfeed.digest.runner import send_digests

    settings = load_settings()
    with open_runtime(settings) as runtime, translated_errors():
        require_migrated(runtime.engine)
        period = period_from_key(cadence, key) if key else last_complete(cadence, _now())
        with stop_on_sigterm() as stop:
            report = send_digests(
                runtime,
                cadence=cadence,
                period=period,
                dry_run=dry_run,
                stop=stop,
            )
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        click.echo(report.summary())
    if not report.ok:
        raise click.ClickException(
            f"the run stopped early ({report.stopped}); run it again to send the "
            f"{report.remaining} pending"
        )


@digest.command("list-failing")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_failing(as_json: bool) -> None:
    """Addresses that get no more digests because the mail server refused them repeatedly.

    Example: paperfeed digest list-failing
    """
    settings = load_settings()
    with open_runtime(settings) as runtime, translated_errors():
        require_migrated(runtime.engine)
        with runtime.sessions() as session:
            rows = subscriptions.failing_subscriptions(session)
    if as_json:
        echo_json(
            [
                {
                    "id": r.id,
                    "email": r.email,
                    "period": r.cadence,
                    "failures": r.failure_count,
                    "last_failure": r.last_failure,
                    "last_failure_at": r.last_failure_at,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        click.echo("no failing addresses")
    for r in rows:
        when = r.last_failure_at.isoformat(timespec="seconds") if r.last_failure_at else "?"
        click.echo(f"{r.id}\t{r.email}\t{r.cadence}\t{r.failure_count}\t{when}\t{r.last_failure}")


@digest.command("unsubscribe")
@click.argument("token")
def unsubscribe(token: str) -> None:
    """Unsubscribe by the token of a digest's unsubscribe link (e.g. from the subject of a
    mail to the List-Unsubscribe mailto address).

    Example: paperfeed digest unsubscribe u12-AbC...
    """
    token = token.strip().removeprefix("unsubscribe ").strip()
    settings = load_settings()
    with open_runtime(settings) as runtime, translated_errors():
        require_migrated(runtime.engine)
        with session_scope(runtime.sessions) as session:
            done = subscriptions.unsubscribe(session, token, now=_now())
    if done is None:
        raise click.ClickException("that is not a valid unsubscribe token")
    click.echo(f"unsubscribed {done.email} from the {done.cadence} digest")


def _now() -> datetime:
    return datetime.now(UTC)
